// container: a Go service in a container with a 512 MiB memory limit and no GOMEMLIMIT,
// charged for more than its heap: a 48 MiB heap of 1 KiB entries (main.(*Store).Add), a
// 32 MiB off-heap syscall.Mmap region (written), 64 MiB of page cache from a file it wrote
// and read back, and 8 MiB in /dev/shm (tmpfs: shmem). Each snapshot also holds the full
// /proc/self/smaps (Go 1.25+ names its mappings: [anon: Go: heap], ...) and the cgroup's
// memory files, read with /proc/self/status.
//
// The program makes the container itself: it creates a child of its own memory cgroup with
// the limit (v1: memory.limit_in_bytes, v2: memory.max; it must run as root) and moves into
// it, so everything below is charged there.
//
// base: the workload set up. later: the heap grown by another 64 MiB of entries.
// samples/container_unnamed (beside the sample folder, so that it is not a third snapshot of
// it): the same workload in a child process run with GODEBUG=decoratemappings=0 (its
// gctrace in its gctrace.log): smaps without Go's mapping names.
//
// The samples' module says go 1.22, for which decoratemappings defaults to 0: the directive
// below turns Go's mapping names on, as a go 1.25+ module has them by default.

//go:debug decoratemappings=1
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"heapdiff/samples/internal/snap"
)

const (
	limitBytes   = 512 << 20
	entryBytes   = 1 << 10
	offHeapBytes = 32 << 20
	cacheBytes   = 64 << 20
	shmBytes     = 8 << 20
	childEnv     = "HEAPDIFF_CONTAINER_CHILD"
)

// Store keeps every entry it is given: the heap the container holds.
type Store struct{ entries [][]byte }

//go:noinline
func (s *Store) Add(n int) {
	for i := 0; i < n; i++ {
		e := make([]byte, entryBytes)
		for j := range e {
			e[j] = byte(i + j)
		}
		s.entries = append(s.entries, e)
	}
}

// cgroup files per version: those the snapshot copies, and the limit file.
var cgroupFiles = map[string][]string{
	"v1": {"memory.usage_in_bytes", "memory.limit_in_bytes", "memory.stat", "memory.oom_control",
		"memory.kmem.usage_in_bytes"},
	"v2": {"memory.current", "memory.max", "memory.high", "memory.stat", "memory.events"},
}
var limitFile = map[string]string{"v1": "memory.limit_in_bytes", "v2": "memory.max"}

// ownCgroup is the folder of this process's memory cgroup and its version.
func ownCgroup() (string, string) {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		panic(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) == 3 && parts[1] == "memory" {
			return filepath.Join("/sys/fs/cgroup/memory", parts[2]), "v1"
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if strings.HasPrefix(line, "0::") {
			dir := filepath.Join("/sys/fs/cgroup", line[3:])
			if _, err := os.Stat(filepath.Join(dir, "memory.current")); err == nil {
				return dir, "v2"
			}
		}
	}
	panic("no memory cgroup (v1 memory controller or v2 with memory.current) for this process")
}

// enterContainer makes a child cgroup with the limit, moves this process into it and
// returns its folder, its version and a function that moves back and removes it.
func enterContainer() (string, string, func()) {
	parent, version := ownCgroup()
	dir := filepath.Join(parent, "heapdiff-container-"+strconv.Itoa(os.Getpid()))
	must(os.Mkdir(dir, 0o755))
	must(os.WriteFile(filepath.Join(dir, limitFile[version]), []byte(strconv.Itoa(limitBytes)), 0o644))
	pid := []byte(strconv.Itoa(os.Getpid()))
	must(os.WriteFile(filepath.Join(dir, "cgroup.procs"), pid, 0o644))
	return dir, version, func() {
		must(os.WriteFile(filepath.Join(parent, "cgroup.procs"), pid, 0o644))
		must(os.Remove(dir))
	}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// workload sets up what the container is charged for beside the heap; the returned
// function removes the files it wrote.
func workload(store *Store, scratch string) ([]byte, func()) {
	store.Add(48 << 20 / entryBytes)
	region, err := syscall.Mmap(-1, 0, offHeapBytes, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_ANON|syscall.MAP_PRIVATE)
	must(err)
	for i := range region {
		region[i] = byte(i)
	}
	file := filepath.Join(scratch, "page-cache.bin")
	fill(file, cacheBytes)
	fill(file, 0) // read back twice: the pages become active
	fill(file, 0)
	shm := fmt.Sprintf("/dev/shm/heapdiff-container-%d", os.Getpid())
	fill(shm, shmBytes)
	return region, func() { os.Remove(file); os.Remove(shm) }
}

// fill writes total bytes to path in 1 MiB blocks, or with total 0 reads path through, so
// the page cache is charged without a large buffer on the Go heap.
func fill(path string, total int) {
	block := make([]byte, 1<<20)
	if total == 0 {
		f, err := os.Open(path)
		must(err)
		defer f.Close()
		for {
			if n, _ := f.Read(block); n == 0 {
				return
			}
		}
	}
	f, err := os.Create(path)
	must(err)
	defer f.Close()
	for written := 0; written < total; written += len(block) {
		_, err := f.Write(block)
		must(err)
	}
}

func extras(dir, version string) {
	snap.Extra["smaps.txt"] = "/proc/self/smaps"
	for _, name := range cgroupFiles[version] {
		snap.Extra[name] = filepath.Join(dir, name)
	}
}

func main() {
	out := snap.OutDir()
	child := os.Getenv(childEnv) != ""
	var dir, version string
	var leave func()
	if child {
		dir, version = ownCgroup() // the parent's container
	} else {
		dir, version, leave = enterContainer()
	}
	scratch, err := os.MkdirTemp(filepath.Dir(out), ".container-scratch-")
	must(err)
	defer os.RemoveAll(scratch)
	extras(dir, version)

	store := &Store{}
	region, clean := workload(store, scratch)
	defer clean()
	runtime.GC()
	if child {
		snap.Write(out)
		runtime.KeepAlive(region)
		return
	}
	snap.Write(out + "/base")

	store.Add(64 << 20 / entryBytes)
	runtime.GC()
	snap.Write(out + "/later")
	runtime.KeepAlive(region)

	clean()
	unnamed := filepath.Join(filepath.Dir(out), filepath.Base(out)+"_unnamed")
	must(os.MkdirAll(unnamed, 0o755))
	log, err := os.Create(unnamed + "/gctrace.log")
	must(err)
	cmd := exec.Command(os.Args[0], unnamed)
	cmd.Env = append(os.Environ(), childEnv+"=1", "GODEBUG=gctrace=1,decoratemappings=0")
	cmd.Stdout, cmd.Stderr = os.Stdout, log
	must(cmd.Run())
	must(log.Close())
	fmt.Printf("container: %d entries, cgroup %s (%s), limit %d MiB\n", len(store.entries), dir,
		version, limitBytes>>20)
	leave()
}
