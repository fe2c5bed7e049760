// sample_types: profiles whose sample types differ, as other tools and pprof's own fixtures
// write them, derived from the heap profiles this program takes of itself.
//
// Go's runtime always writes the four heap types (alloc_objects, alloc_space, inuse_objects,
// inuse_space); only the allocs profile names a default_sample_type (alloc_space). Other
// writers keep fewer: Pyroscope's fixtures hold inuse_space alone. So, besides the usual
// base/ and later/ snapshots, the program re-encodes runtime-written profiles with a minimal
// protobuf writer of its own (the standard library has no public one), changing only the
// sample type list, each sample's values and default_sample_type:
//
//   - allocs.pb.gz: pprof.Lookup("allocs") at the base moment, as the runtime wrote it (all
//     four types, default_sample_type alloc_space);
//   - inuse_space.pb.gz: the later heap profile with inuse_space alone;
//   - inuse_objects.pb.gz: the later heap profile with inuse_objects alone;
//   - alloc_space.pb.gz: the later heap profile with alloc_space alone (no live heap at all);
//   - spaces.pb.gz: the base heap profile with [inuse_space, alloc_space], in that order.
//
// The heap: three retaining sites that grow between base and later (main.keepRecords,
// main.keepBuffers, main.keepIndex) next to garbage (main.scratch: alloc_* only).
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"

	"heapdiff/samples/internal/snap"
)

type record struct {
	id   uint64
	name string
	next *record
}

var (
	records []*record
	buffers [][]byte
	index   = map[uint64]*record{}
	sink    []byte
)

//go:noinline
func keepRecords(n int) {
	for i := 0; i < n; i++ {
		r := &record{id: uint64(len(records)), name: "r"}
		if len(records) > 0 {
			r.next = records[len(records)-1]
		}
		records = append(records, r)
	}
}

//go:noinline
func keepBuffers(n, size int) {
	for i := 0; i < n; i++ {
		buffers = append(buffers, make([]byte, size))
	}
}

//go:noinline
func keepIndex(n int) {
	for i := 0; i < n && i < len(records); i++ {
		index[records[i].id] = records[i]
	}
}

//go:noinline
func scratch(n, size int) {
	for i := 0; i < n; i++ {
		sink = make([]byte, size)
	}
}

func main() {
	runtime.MemProfileRate = 4096 // enough samples on a heap of a few tens of MiB
	out := snap.OutDir()

	keepRecords(100_000)
	keepBuffers(2_000, 2048)
	keepIndex(50_000)
	scratch(10_000, 4096)
	runtime.GC()
	snap.Write(out + "/base")
	write(out+"/allocs.pb.gz", profile("allocs"))
	write(out+"/spaces.pb.gz", keepTypes(profile("heap"), []string{"inuse_space", "alloc_space"}))

	keepRecords(200_000)
	keepBuffers(8_000, 2048)
	keepIndex(300_000)
	scratch(20_000, 4096)
	runtime.GC()
	snap.Write(out + "/later")
	heap := profile("heap")
	write(out+"/inuse_space.pb.gz", keepTypes(heap, []string{"inuse_space"}))
	write(out+"/inuse_objects.pb.gz", keepTypes(heap, []string{"inuse_objects"}))
	write(out+"/alloc_space.pb.gz", keepTypes(heap, []string{"alloc_space"}))
	fmt.Printf("sample_types: %d records, %d buffers\n", len(records), len(buffers))
}

// profile returns the named runtime profile as the runtime writes it (gzipped protobuf).
func profile(name string) []byte {
	var b bytes.Buffer
	if err := pprof.Lookup(name).WriteTo(&b, 0); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func write(path string, data []byte) {
	if err := os.WriteFile(path, data, 0o644); err != nil {
		panic(err)
	}
}

// field is one field of a protobuf message: its number, wire type, value (a varint's or a
// fixed field's) or payload (a length-delimited field's), and its bytes as read.
type field struct {
	num, wire int
	value     uint64
	payload   []byte
	raw       []byte
}

func varint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	panic("bad varint")
}

// fields splits a message into its fields.
func fields(b []byte) []field {
	var out []field
	for len(b) > 0 {
		start := b
		key, n := varint(b)
		b = b[n:]
		f := field{num: int(key >> 3), wire: int(key & 7)}
		switch f.wire {
		case 0:
			f.value, n = varint(b)
		case 1:
			n = 8
		case 5:
			n = 4
		case 2:
			size, m := varint(b)
			f.payload = b[m : m+int(size)]
			n = m + int(size)
		default:
			panic(fmt.Sprintf("wire type %d", f.wire))
		}
		b = b[n:]
		f.raw = start[:len(start)-len(b)]
		out = append(out, f)
	}
	return out
}

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendBytes(b []byte, num int, payload []byte) []byte {
	b = appendVarint(b, uint64(num)<<3|2)
	b = appendVarint(b, uint64(len(payload)))
	return append(b, payload...)
}

// keepTypes re-encodes a gzipped profile with only the sample types named in keep, in that
// order: the sample_type list and every sample's values change; default_sample_type is left
// out (the heap profile has none); every other field is copied as it is.
func keepTypes(gz []byte, keep []string) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		panic(err)
	}
	msg, err := io.ReadAll(zr)
	if err != nil {
		panic(err)
	}
	top := fields(msg)
	var strs []string
	var types []field
	for _, f := range top {
		switch f.num {
		case 6:
			strs = append(strs, string(f.payload))
		case 1:
			types = append(types, f)
		}
	}
	columns := make([]int, len(keep)) // columns[i]: the old column of keep[i]
	for i, name := range keep {
		columns[i] = -1
		for j, t := range types {
			for _, tf := range fields(t.payload) {
				if tf.num == 1 && strs[tf.value] == name {
					columns[i] = j
				}
			}
		}
		if columns[i] < 0 {
			panic("no sample type " + name)
		}
	}
	var out []byte
	wroteTypes := false
	for _, f := range top {
		switch f.num {
		case 1:
			if !wroteTypes {
				for _, c := range columns {
					out = append(out, types[c].raw...)
				}
				wroteTypes = true
			}
		case 2:
			out = appendBytes(out, 2, sampleWith(f.payload, columns))
		case 14:
		default:
			out = append(out, f.raw...)
		}
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(out)
	zw.Close()
	return b.Bytes()
}

// sampleWith re-encodes one sample with the values of the given columns (packed).
func sampleWith(sample []byte, columns []int) []byte {
	var values []uint64
	var out []byte
	for _, f := range fields(sample) {
		if f.num != 2 {
			out = append(out, f.raw...)
			continue
		}
		if f.wire == 0 {
			values = append(values, f.value)
			continue
		}
		for p := f.payload; len(p) > 0; {
			v, n := varint(p)
			values = append(values, v)
			p = p[n:]
		}
	}
	var packed []byte
	for _, c := range columns {
		packed = appendVarint(packed, values[c])
	}
	return appendBytes(out, 2, packed)
}
