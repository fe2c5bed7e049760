/* The loops over every record and every frame of a profile, compiled: framing the top-level
 * records, decoding the samples, summing cum per node and the call graph's edges. numpy does
 * each without a Python loop (inputs/decode/framing.py, samples.py, analysis/aggregate.py,
 * callgraph.py), but only through temporaries several times the data's size and a sort for
 * cum and edges; here each record and frame is read once, straight into the outputs, with
 * the GIL released.
 *
 * The kernel is a fast path, never an authority: whatever it does not expect (a wire type,
 * a field number above 15, a varint past 64 bits, a value count that differs from the sample
 * types, a location id the table does not hold, an output that would overflow) makes it
 * return None, and the caller decodes the profile the numpy way, which gives the figures or
 * says what is wrong. So it needs no error messages of its own.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

/* One varint at *p (before end): 1 and the value, or 0 when it runs past end or 64 bits. */
static inline int read_varint(const uint8_t **p, const uint8_t *end, uint64_t *value)
{
    const uint8_t *q = *p;
    uint64_t result = 0;
    for (int shift = 0; q < end && shift < 64; shift += 7) {
        uint8_t byte = *q++;
        if (shift == 63 && byte > 1)
            return 0;
        result |= (uint64_t)(byte & 0x7F) << shift;
        if (byte < 0x80) {
            *p = q;
            *value = result;
            return 1;
        }
    }
    return 0;
}

static inline int64_t load_int(const char *base, Py_ssize_t itemsize, Py_ssize_t i)
{
    switch (itemsize) {
    case 1: return ((const uint8_t *)base)[i];
    case 2: return ((const uint16_t *)base)[i];
    case 4: return ((const int32_t *)base)[i];
    default: return ((const int64_t *)base)[i];
    }
}

static inline void store_int(char *base, Py_ssize_t itemsize, Py_ssize_t i, int64_t v)
{
    switch (itemsize) {
    case 1: ((uint8_t *)base)[i] = (uint8_t)v; break;
    case 2: ((uint16_t *)base)[i] = (uint16_t)v; break;
    case 4: ((int32_t *)base)[i] = (int32_t)v; break;
    default: ((int64_t *)base)[i] = v; break;
    }
}

/* ---- framing ------------------------------------------------------------------------ */

#define MAX_TAG 0xFFFFFFFFull

/* The record at *p: its field, payload start and end; 0 where framing.py's walk would raise. */
static inline int next_record(const uint8_t *data, const uint8_t **p, const uint8_t *end,
                              uint64_t *field, const uint8_t **payload, const uint8_t **stop)
{
    uint64_t tag, length;
    if (!read_varint(p, end, &tag) || tag > MAX_TAG || (tag >> 3) == 0)
        return 0;
    const uint8_t *q = *p;
    switch (tag & 7) {
    case 0:
        if (!read_varint(&q, end, &length))
            return 0;
        *payload = *p;
        *stop = q;
        break;
    case 1:
        if (end - q < 8)
            return 0;
        *payload = q;
        *stop = q + 8;
        break;
    case 2:
        if (!read_varint(&q, end, &length) || length > (uint64_t)(end - q))
            return 0;
        *payload = q;
        *stop = q + length;
        break;
    case 5:
        if (end - q < 4)
            return 0;
        *payload = q;
        *stop = q + 4;
        break;
    default:
        return 0;
    }
    (void)data;
    *field = tag >> 3;
    *p = *stop;
    return 1;
}

/* frame(data, field, start, payload, end) -> count, or None.
 * With field None, only counts the records; else fills the four arrays (int32 or int64, at
 * least count long) with each record's field number, start, payload start and end. */
static PyObject *frame(PyObject *self, PyObject *args)
{
    PyObject *objs[5];
    if (!PyArg_ParseTuple(args, "OOOOO", &objs[0], &objs[1], &objs[2], &objs[3], &objs[4]))
        return NULL;
    Py_buffer views[5];
    int filling = objs[1] != Py_None;
    int taken = 0;
    PyObject *result = NULL;
    for (; taken < (filling ? 5 : 1); taken++) {
        int flags = PyBUF_C_CONTIGUOUS | (taken ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(objs[taken], &views[taken], flags) < 0)
            goto done;
    }
    const uint8_t *data = views[0].buf;
    const uint8_t *end = data + views[0].len;
    Py_ssize_t count = 0, capacity = PY_SSIZE_T_MAX;
    if (filling)
        for (int k = 1; k < 5; k++)
            if (views[k].len / views[k].itemsize < capacity)
                capacity = views[k].len / views[k].itemsize;
    int ok = 1;
    Py_BEGIN_ALLOW_THREADS
    const uint8_t *p = data;
    while (p < end) {
        const uint8_t *start = p, *payload, *stop;
        uint64_t field;
        if (!next_record(data, &p, end, &field, &payload, &stop) || (filling && count >= capacity)) {
            ok = 0;
            break;
        }
        if (filling) {
            store_int(views[1].buf, views[1].itemsize, count, (int64_t)field);
            store_int(views[2].buf, views[2].itemsize, count, start - data);
            store_int(views[3].buf, views[3].itemsize, count, payload - data);
            store_int(views[4].buf, views[4].itemsize, count, stop - data);
        }
        count++;
    }
    Py_END_ALLOW_THREADS
    if (ok)
        result = PyLong_FromSsize_t(count);
    else {
        result = Py_None;
        Py_INCREF(result);
    }
done:
    for (int k = 0; k < taken; k++)
        PyBuffer_Release(&views[k]);
    return result;
}

/* ---- samples ------------------------------------------------------------------------ */

enum { BUF, STARTS, ENDS, DENSE, VALUES, OFFSETS, STACKS,
       L_SAMPLE, L_KEY, L_STR, L_NUM, L_UNIT, NUM_VIEWS };

typedef struct {
    Py_buffer v[NUM_VIEWS];
    Py_ssize_t num_types, missing;
    Py_ssize_t frames, labels;  /* filled so far */
} Samples;

static inline int add_location(Samples *s, uint64_t id)
{
    Py_buffer *dense = &s->v[DENSE], *stacks = &s->v[STACKS];
    if (id >= (uint64_t)(dense->len / dense->itemsize))
        return 0;
    int64_t index = load_int(dense->buf, dense->itemsize, (Py_ssize_t)id);
    if (index == s->missing || s->frames >= stacks->len / stacks->itemsize)
        return 0;
    store_int(stacks->buf, stacks->itemsize, s->frames++, index);
    return 1;
}

/* A Label message: varint fields only; key, str and num_unit must fit int32 (the columns). */
static int add_label(Samples *s, Py_ssize_t sample, const uint8_t *p, const uint8_t *end)
{
    uint64_t fields[5] = {0, 0, 0, 0, 0};
    while (p < end) {
        uint8_t tag = *p++;
        uint64_t value;
        if (tag >= 0x80 || (tag & 7) != 0 || !read_varint(&p, end, &value))
            return 0;
        if ((tag >> 3) >= 1 && (tag >> 3) <= 4)
            fields[tag >> 3] = value;
    }
    if (fields[1] > INT32_MAX || fields[2] > INT32_MAX || fields[4] > INT32_MAX)
        return 0;
    Py_ssize_t k = s->labels;
    if (k >= s->v[L_SAMPLE].len / 8 || k >= s->v[L_KEY].len / 4)
        return 0;
    ((int64_t *)s->v[L_SAMPLE].buf)[k] = sample;
    ((int32_t *)s->v[L_KEY].buf)[k] = (int32_t)fields[1];
    ((int32_t *)s->v[L_STR].buf)[k] = (int32_t)fields[2];
    ((int64_t *)s->v[L_NUM].buf)[k] = (int64_t)fields[3];
    ((int32_t *)s->v[L_UNIT].buf)[k] = (int32_t)fields[4];
    s->labels = k + 1;
    return 1;
}

static int decode_one(Samples *s, Py_ssize_t i, const uint8_t *p, const uint8_t *end)
{
    int64_t *values = (int64_t *)s->v[VALUES].buf + i * s->num_types;
    Py_ssize_t count = 0;
    while (p < end) {
        uint8_t tag = *p++;
        uint64_t v, length;
        int field = tag >> 3;
        if (tag >= 0x80)
            return 0;
        if ((tag & 7) == 0) {
            if (!read_varint(&p, end, &v))
                return 0;
            if (field == 1 && !add_location(s, v))
                return 0;
            if (field == 2) {
                if (count >= s->num_types)
                    return 0;
                values[count++] = (int64_t)v;
            }
            if (field == 3)
                return 0;
        } else if ((tag & 7) == 2) {
            if (!read_varint(&p, end, &length) || length > (uint64_t)(end - p))
                return 0;
            const uint8_t *q = p, *stop = p + length;
            p = stop;
            if (field == 1) {
                while (q < stop)
                    if (!read_varint(&q, stop, &v) || !add_location(s, v))
                        return 0;
            } else if (field == 2) {
                while (q < stop) {
                    if (!read_varint(&q, stop, &v) || count >= s->num_types)
                        return 0;
                    values[count++] = (int64_t)v;
                }
            } else if (field == 3 && !add_label(s, i, q, stop))
                return 0;
        } else
            return 0;
    }
    return count == s->num_types;
}

/* samples(data, starts, ends, num_types, dense, missing, values, offsets, stacks,
 *         label_sample, label_key, label_str, label_num, label_unit) -> (frames, labels), or None.
 * starts/ends: each sample's payload; dense: location id -> index (missing: none), in the
 * stacks' dtype; values: int64, samples x num_types; offsets: int64, samples + 1; label
 * columns int64, int32, int32, int64, int32. Fills them and says how much of stacks and the
 * label columns it used. */
static PyObject *samples(PyObject *self, PyObject *args)
{
    PyObject *objs[NUM_VIEWS];
    Samples s = {0};
    if (!PyArg_ParseTuple(args, "OOOnOnOOOOOOOO", &objs[BUF], &objs[STARTS], &objs[ENDS],
                          &s.num_types, &objs[DENSE], &s.missing, &objs[VALUES], &objs[OFFSETS],
                          &objs[STACKS], &objs[L_SAMPLE], &objs[L_KEY], &objs[L_STR],
                          &objs[L_NUM], &objs[L_UNIT]))
        return NULL;
    int taken = 0;
    PyObject *result = NULL;
    for (; taken < NUM_VIEWS; taken++) {
        int writable = taken >= VALUES;
        if (PyObject_GetBuffer(objs[taken], &s.v[taken],
                               PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0)) < 0)
            goto done;
    }
    Py_ssize_t n = s.v[STARTS].len / s.v[STARTS].itemsize;
    int ok = s.num_types > 0 && s.v[ENDS].len / s.v[ENDS].itemsize == n
        && s.v[VALUES].len / 8 >= n * s.num_types && s.v[OFFSETS].len / 8 >= n + 1
        && s.v[STACKS].itemsize == s.v[DENSE].itemsize
        && s.v[VALUES].itemsize == 8 && s.v[OFFSETS].itemsize == 8
        && s.v[L_SAMPLE].itemsize == 8 && s.v[L_KEY].itemsize == 4 && s.v[L_STR].itemsize == 4
        && s.v[L_NUM].itemsize == 8 && s.v[L_UNIT].itemsize == 4
        && s.v[L_STR].len / 4 == s.v[L_KEY].len / 4 && s.v[L_NUM].len / 8 == s.v[L_KEY].len / 4
        && s.v[L_UNIT].len / 4 == s.v[L_KEY].len / 4 && s.v[L_SAMPLE].len / 8 == s.v[L_KEY].len / 4;
    if (ok) {
        Py_BEGIN_ALLOW_THREADS
        const uint8_t *data = s.v[BUF].buf;
        Py_ssize_t size = s.v[BUF].len;
        int64_t *offsets = s.v[OFFSETS].buf;
        offsets[0] = 0;
        for (Py_ssize_t i = 0; i < n && ok; i++) {
            int64_t a = load_int(s.v[STARTS].buf, s.v[STARTS].itemsize, i);
            int64_t b = load_int(s.v[ENDS].buf, s.v[ENDS].itemsize, i);
            ok = 0 <= a && a <= b && b <= size && decode_one(&s, i, data + a, data + b);
            offsets[i + 1] = s.frames;
        }
        Py_END_ALLOW_THREADS
    }
    if (ok)
        result = Py_BuildValue("nn", s.frames, s.labels);
    else {
        result = Py_None;
        Py_INCREF(result);
    }
done:
    for (int k = 0; k < taken; k++)
        PyBuffer_Release(&s.v[k]);
    return result;
}

/* ---- aggregation -------------------------------------------------------------------- */

/* What cum and edges walk: each sample's frames (stack_offsets into stack_locations), each
 * frame's nodes (node_offsets into nodes, by location), checked against their arrays' sizes. */
typedef struct {
    const int64_t *offs, *node_offs;
    const Py_buffer *locs;
    const int32_t *nodes;
    Py_ssize_t frames, locations, node_frames, num_nodes;
} Walk;

/* Sample i's frames: *first..*end; 0 when the offsets disagree with the frames. */
static inline int sample_frames(const Walk *w, Py_ssize_t i, int64_t *first, int64_t *end)
{
    *first = w->offs[i];
    *end = w->offs[i + 1];
    return 0 <= *first && *first <= *end && *end <= w->frames;
}

/* Every entry of nodes is a node: checked once, not per frame. */
static int nodes_valid(const Walk *w)
{
    for (Py_ssize_t j = 0; j < w->node_frames; j++)
        if (w->nodes[j] < 0 || w->nodes[j] >= w->num_nodes)
            return 0;
    return 1;
}

/* Location loc's nodes: *first..*end in w->nodes; 0 when the location or its offsets are out
 * of range. */
static inline int location_nodes(const Walk *w, int64_t loc, int64_t *first, int64_t *end)
{
    if (loc < 0 || loc >= w->locations)
        return 0;
    *first = w->node_offs[loc];
    *end = w->node_offs[loc + 1];
    return 0 <= *first && *first <= *end && *end <= w->node_frames;
}

/* Frame f's nodes, as location_nodes. */
static inline int frame_nodes(const Walk *w, int64_t f, int64_t *first, int64_t *end)
{
    return location_nodes(w, load_int(w->locs->buf, w->locs->itemsize, f), first, end);
}

/* weight into cum of each of nodes[first..end] that sample i has not counted yet: a node
 * remembers (last) the last sample that counted it. Sums wrap as Go's int64 sums do. */
static inline void add_once(const int32_t *nodes, int64_t first, int64_t end, int64_t *last,
                            Py_ssize_t i, uint64_t *cum, uint64_t weight)
{
    for (int64_t j = first; j < end; j++)
        if (last[nodes[j]] != i) {
            last[nodes[j]] = i;
            cum[nodes[j]] += weight;
        }
}

/* cum(stack_offsets, stack_locations, weights, node_offsets, nodes, cum) -> True, or None.
 * Per node, the sum of the weights of the samples whose stack holds it, once per sample
 * however often the stack repeats it (recursion, inlining): pprof's cum. stack_offsets int64
 * (samples + 1); stack_locations any integer width; weights int64 per sample; node_offsets
 * int64 and nodes int32: each location's nodes (CSR); cum int64 per node, added to. A node
 * remembers the last sample that counted it, so no sort is needed. */
static PyObject *cum(PyObject *self, PyObject *args)
{
    enum { OFFS, LOCS, WEIGHTS, NODE_OFFS, NODES, CUM, N };
    PyObject *objs[N];
    Py_buffer v[N];
    if (!PyArg_ParseTuple(args, "OOOOOO", &objs[0], &objs[1], &objs[2], &objs[3], &objs[4], &objs[5]))
        return NULL;
    int taken = 0;
    PyObject *result = NULL;
    int64_t *last = NULL;
    for (; taken < N; taken++)
        if (PyObject_GetBuffer(objs[taken], &v[taken],
                               PyBUF_C_CONTIGUOUS | (taken == CUM ? PyBUF_WRITABLE : 0)) < 0)
            goto done;
    Py_ssize_t samples = v[WEIGHTS].len / 8, locations = v[NODE_OFFS].len / 8 - 1;
    Py_ssize_t num_nodes = v[CUM].len / 8, frames = v[LOCS].len / v[LOCS].itemsize;
    Py_ssize_t num_frames_nodes = v[NODES].len / 4;
    int ok = v[OFFS].itemsize == 8 && v[WEIGHTS].itemsize == 8 && v[NODE_OFFS].itemsize == 8
        && v[NODES].itemsize == 4 && v[CUM].itemsize == 8 && v[OFFS].len / 8 == samples + 1
        && locations >= 0;
    if (ok && !(last = PyMem_Malloc(sizeof(int64_t) * (num_nodes ? num_nodes : 1)))) {
        PyErr_NoMemory();
        goto done;
    }
    if (ok) {
        Py_BEGIN_ALLOW_THREADS
        const Walk w = {v[OFFS].buf, v[NODE_OFFS].buf, &v[LOCS], v[NODES].buf, frames, locations,
                        num_frames_nodes, num_nodes};
        const int64_t *weights = v[WEIGHTS].buf;
        uint64_t *out = v[CUM].buf;
        ok = nodes_valid(&w);
        for (Py_ssize_t k = 0; k < num_nodes; k++)
            last[k] = -1;
        for (Py_ssize_t i = 0; i < samples && ok; i++) {
            uint64_t w8 = (uint64_t)weights[i];
            int64_t f, f_end, j, j_end;
            if (w8 == 0)
                continue;
            ok = sample_frames(&w, i, &f, &f_end);
            for (; f < f_end && ok; f++)
                if ((ok = frame_nodes(&w, f, &j, &j_end)))
                    add_once(w.nodes, j, j_end, last, i, out, w8);
        }
        Py_END_ALLOW_THREADS
    }
    result = ok ? Py_True : Py_None;
    Py_INCREF(result);
done:
    PyMem_Free(last);
    for (int k = 0; k < taken; k++)
        PyBuffer_Release(&v[k]);
    return result;
}

/* ---- call-graph edges ------------------------------------------------------------------ */

typedef struct {
    uint64_t key;  /* caller * num_nodes + callee, plus one: 0 marks an empty slot */
    int64_t last;  /* the last sample that counted the edge */
    uint64_t sum;
} Edge;

typedef struct {
    Edge *slots;
    size_t mask, used;
} EdgeTable;

static int edge_table_init(EdgeTable *t, size_t capacity)
{
    t->slots = PyMem_RawCalloc(capacity, sizeof(Edge));
    t->mask = capacity - 1;
    t->used = 0;
    return t->slots != NULL;
}

static Edge *edge_slot(EdgeTable *t, uint64_t key)
{
    size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 17) & t->mask;
    while (t->slots[i].key && t->slots[i].key != key)
        i = (i + 1) & t->mask;
    return &t->slots[i];
}

static int edge_table_grow(EdgeTable *t)
{
    EdgeTable bigger;
    if (!edge_table_init(&bigger, (t->mask + 1) * 2))
        return 0;
    for (size_t i = 0; i <= t->mask; i++)
        if (t->slots[i].key)
            *edge_slot(&bigger, t->slots[i].key) = t->slots[i];
    bigger.used = t->used;
    PyMem_RawFree(t->slots);
    *t = bigger;
    return 1;
}

/* edges(stack_offsets, stack_locations, weights, node_offsets, nodes, num_nodes)
 *     -> {(caller, callee): weight}, or None.
 * The calls between neighbouring frames of each sample (leaf first, a location's inlined
 * frames innermost first), each edge once per sample, a node calling itself no edge;
 * samples of weight 0 skipped: the call graph's edges, as callgraph._pairs finds them. */
static PyObject *edges(PyObject *self, PyObject *args)
{
    enum { OFFS, LOCS, WEIGHTS, NODE_OFFS, NODES, N };
    PyObject *objs[N];
    Py_buffer v[N];
    Py_ssize_t num_nodes;
    if (!PyArg_ParseTuple(args, "OOOOOn", &objs[0], &objs[1], &objs[2], &objs[3], &objs[4],
                          &num_nodes))
        return NULL;
    int taken = 0;
    PyObject *result = NULL;
    EdgeTable table = {NULL, 0, 0};
    for (; taken < N; taken++)
        if (PyObject_GetBuffer(objs[taken], &v[taken], PyBUF_C_CONTIGUOUS) < 0)
            goto done;
    Py_ssize_t samples = v[WEIGHTS].len / 8, locations = v[NODE_OFFS].len / 8 - 1;
    Py_ssize_t frames = v[LOCS].len / v[LOCS].itemsize, node_frames = v[NODES].len / 4;
    int ok = v[OFFS].itemsize == 8 && v[WEIGHTS].itemsize == 8 && v[NODE_OFFS].itemsize == 8
        && v[NODES].itemsize == 4 && v[OFFS].len / 8 == samples + 1 && locations >= 0
        && num_nodes > 0 && num_nodes < (1 << 30);
    if (ok && !edge_table_init(&table, 1024)) {
        PyErr_NoMemory();
        goto done;
    }
    int grow_failed = 0;
    if (ok) {
        Py_BEGIN_ALLOW_THREADS
        const Walk w = {v[OFFS].buf, v[NODE_OFFS].buf, &v[LOCS], v[NODES].buf, frames, locations,
                        node_frames, num_nodes};
        const int64_t *weights = v[WEIGHTS].buf;
        ok = nodes_valid(&w);
        for (Py_ssize_t i = 0; i < samples && ok; i++) {
            int64_t callee = -1;  /* the frame before, leaf first */
            int64_t f, f_end, j, j_end;
            if (weights[i] == 0)
                continue;
            ok = sample_frames(&w, i, &f, &f_end);
            for (; f < f_end && ok; f++) {
                ok = frame_nodes(&w, f, &j, &j_end);
                for (; j < j_end && ok; j++) {
                    int64_t caller = w.nodes[j];
                    if (callee >= 0 && caller != callee) {
                        uint64_t key = (uint64_t)caller * (uint64_t)num_nodes + (uint64_t)callee + 1;
                        Edge *e = edge_slot(&table, key);
                        if (!e->key) {
                            if (2 * (table.used + 1) > table.mask + 1) {
                                if (!edge_table_grow(&table)) {
                                    grow_failed = 1;
                                    ok = 0;
                                    break;
                                }
                                e = edge_slot(&table, key);
                            }
                            e->key = key;
                            e->last = -1;
                            table.used++;
                        }
                        if (e->last != i) {
                            e->last = i;
                            e->sum += (uint64_t)weights[i];
                        }
                    }
                    callee = caller;
                }
            }
        }
        Py_END_ALLOW_THREADS
    }
    if (grow_failed) {
        PyErr_NoMemory();
        goto done;
    }
    if (!ok) {
        result = Py_None;
        Py_INCREF(result);
        goto done;
    }
    result = PyDict_New();
    for (size_t k = 0; result && k <= table.mask; k++) {
        Edge *e = &table.slots[k];
        if (!e->key)
            continue;
        uint64_t key = e->key - 1;
        PyObject *pair = Py_BuildValue("(nn)", (Py_ssize_t)(key / (uint64_t)num_nodes),
                                       (Py_ssize_t)(key % (uint64_t)num_nodes));
        PyObject *weight = PyLong_FromLongLong((long long)(int64_t)e->sum);
        if (!pair || !weight || PyDict_SetItem(result, pair, weight) < 0)
            Py_CLEAR(result);
        Py_XDECREF(pair);
        Py_XDECREF(weight);
    }
done:
    PyMem_RawFree(table.slots);
    for (int k = 0; k < taken; k++)
        PyBuffer_Release(&v[k]);
    return result;
}

/* ---- small messages (decode/small.py's route, without numpy) --------------------------- */

/* A message of varint fields 1..known with one-byte tags, as Go writes Function, Mapping,
 * ValueType and Line: each field's value into out[field - 1] (the last one given wins, as upb
 * reads a scalar given twice; absent fields 0). 0 for anything else. */
static int varint_fields(const uint8_t *p, const uint8_t *end, int known, uint64_t *out)
{
    for (int k = 0; k < known; k++)
        out[k] = 0;
    while (p < end) {
        uint8_t tag = *p++;
        int field = tag >> 3;
        if (tag >= 0x80 || (tag & 7) || field < 1 || field > known || !read_varint(&p, end, &out[field - 1]))
            return 0;
    }
    return 1;
}

/* Take n buffers (writable after the first `readonly`), or release those taken and return 0. */
static int take_buffers(PyObject **objs, Py_buffer *views, int n, int readonly)
{
    for (int k = 0; k < n; k++) {
        int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (k >= readonly ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(objs[k], &views[k], flags) < 0) {
            while (k--)
                PyBuffer_Release(&views[k]);
            return 0;
        }
    }
    return 1;
}

/* Whether record i's span starts[i]..ends[i] lies within size bytes. */
static inline int span_within(const int64_t *starts, const int64_t *ends, Py_ssize_t i,
                              Py_ssize_t size)
{
    return 0 <= starts[i] && starts[i] <= ends[i] && ends[i] <= size;
}

static void release_buffers(Py_buffer *views, int n)
{
    for (int k = 0; k < n; k++)
        PyBuffer_Release(&views[k]);
}

/* messages(data, starts, ends, known, out) -> True, or None.
 * starts and ends (int64) bound n messages of varint fields 1..known; out (uint64, n * known)
 * gets their values, message by message. */
static PyObject *messages(PyObject *self, PyObject *args)
{
    PyObject *objs[4];
    int known;
    if (!PyArg_ParseTuple(args, "OOOiO", &objs[0], &objs[1], &objs[2], &known, &objs[3]))
        return NULL;
    Py_buffer v[4];
    if (!take_buffers(objs, v, 4, 3))
        return NULL;
    const uint8_t *data = v[0].buf;
    const int64_t *starts = v[1].buf, *ends = v[2].buf;
    uint64_t *out = v[3].buf;
    Py_ssize_t n = v[1].len / 8;
    int ok = known >= 1 && known <= 15 && v[1].itemsize == 8 && v[2].len == v[1].len
             && v[3].itemsize == 8 && v[3].len / 8 >= n * known;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; ok && i < n; i++)
        ok = span_within(starts, ends, i, v[0].len)
             && varint_fields(data + starts[i], data + ends[i], known, out + i * known);
    Py_END_ALLOW_THREADS
    release_buffers(v, 4);
    return ok ? Py_NewRef(Py_True) : Py_NewRef(Py_None);
}

/* One Location at p..end as Go writes it: the spans of its id's and address's varint bytes
 * (start == end when absent), its mapping id, and its Lines appended at lines[*count]. */
static int one_location(const uint8_t *data, const uint8_t *p, const uint8_t *end,
                        int64_t *spans, uint64_t *mapping, uint64_t *functions,
                        int64_t *numbers, int64_t *columns, Py_ssize_t *count, Py_ssize_t capacity)
{
    spans[0] = spans[1] = spans[2] = spans[3] = 0;
    *mapping = 0;
    while (p < end) {
        uint8_t tag = *p++;
        const uint8_t *value = p;
        uint64_t number;
        if (!read_varint(&p, end, &number))
            return 0;
        switch (tag) {
        case 0x08: spans[0] = value - data; spans[1] = p - data; break; /* id */
        case 0x10: *mapping = number; break;
        case 0x18: spans[2] = value - data; spans[3] = p - data; break; /* address */
        case 0x28: break;                                                /* is_folded */
        case 0x22: {                                                     /* a Line */
            uint64_t line[3];
            if (number > (uint64_t)(end - p) || *count >= capacity
                || !varint_fields(p, p + number, 3, line))
                return 0;
            functions[*count] = line[0];
            numbers[*count] = (int64_t)line[1];
            columns[*count] = (int64_t)line[2];
            ++*count;
            p += number;
            break;
        }
        default:
            return 0;
        }
    }
    return 1;
}

/* locations(data, starts, ends, spans, mapping, line_offsets, functions, numbers, columns)
 *   -> the number of lines, or None.
 * For n Location records (starts and ends, int64): spans (int64, 4n) the byte spans of each
 * id and address, mapping (uint64, n) each mapping id, line_offsets (int64, n + 1) the CSR
 * offsets of their Lines, whose function ids (uint64), line numbers and columns (int64) fill
 * the last three arrays. */
static PyObject *locations(PyObject *self, PyObject *args)
{
    enum { N = 9 };
    PyObject *objs[N];
    if (!PyArg_ParseTuple(args, "OOOOOOOOO", &objs[0], &objs[1], &objs[2], &objs[3], &objs[4],
                          &objs[5], &objs[6], &objs[7], &objs[8]))
        return NULL;
    Py_buffer v[N];
    if (!take_buffers(objs, v, N, 3))
        return NULL;
    const uint8_t *data = v[0].buf;
    const int64_t *starts = v[1].buf, *ends = v[2].buf;
    Py_ssize_t n = v[1].len / 8, capacity = v[6].len / 8, count = 0;
    int ok = v[1].len == v[2].len && v[3].len >= 4 * n * 8 && v[4].len >= n * 8
             && v[5].len >= (n + 1) * 8 && v[7].len / 8 >= capacity && v[8].len / 8 >= capacity;
    for (int k = 1; k < N; k++)
        ok = ok && v[k].itemsize == 8;
    int64_t *offsets = v[5].buf;
    Py_BEGIN_ALLOW_THREADS
    if (ok)
        offsets[0] = 0;
    for (Py_ssize_t i = 0; ok && i < n; i++) {
        ok = span_within(starts, ends, i, v[0].len)
             && one_location(data, data + starts[i], data + ends[i], (int64_t *)v[3].buf + 4 * i,
                              (uint64_t *)v[4].buf + i, v[6].buf, v[7].buf, v[8].buf, &count,
                              capacity);
        if (ok)
            offsets[i + 1] = count;
    }
    Py_END_ALLOW_THREADS
    release_buffers(v, N);
    return ok ? PyLong_FromSsize_t(count) : Py_NewRef(Py_None);
}

/* One Sample at p..end as Go writes it (a packed location field, a packed value field, labels
 * of varint fields; every length below 128): the spans of its location ids and values (0, 0
 * when absent) and the largest string index its labels use, raised in *label_max. 0 for any
 * other shape. */
static int sample_span(const uint8_t *data, const uint8_t *p, const uint8_t *end, int64_t *span,
                       uint64_t *label_max)
{
    span[0] = span[1] = span[2] = span[3] = 0;
    int seen_stack = 0, seen_values = 0;
    while (p < end) {
        if (end - p < 2 || p[1] >= 0x80 || p[1] > end - p - 2)
            return 0;
        uint8_t tag = p[0];
        const uint8_t *q = p + 2, *stop = q + p[1];
        if (tag == 0x0A && !seen_stack && (q == stop || stop[-1] < 0x80)) {
            seen_stack = 1;
            span[0] = q - data;
            span[1] = stop - data;
        } else if (tag == 0x12 && !seen_values) {
            seen_values = 1;
            span[2] = q - data;
            span[3] = stop - data;
        } else if (tag == 0x1A) {
            uint64_t label[4];
            if (!varint_fields(q, stop, 4, label))
                return 0;
            for (int k = 0; k < 4; k++)
                if (k != 2 && label[k] > *label_max) /* key, str and num_unit: strings */
                    *label_max = label[k];
        } else
            return 0;
        p = stop;
    }
    return 1;
}

/* sample_spans(data, starts, ends, spans) -> (label_max, odd), or None.
 * spans (int64, 4 per sample) gets sample_span's spans of each Sample at starts..ends; a
 * sample of another shape gets -1 as its first span, for the caller to read (odd of them). */
static PyObject *sample_spans(PyObject *self, PyObject *args)
{
    PyObject *objs[4];
    if (!PyArg_ParseTuple(args, "OOOO", &objs[0], &objs[1], &objs[2], &objs[3]))
        return NULL;
    Py_buffer v[4];
    if (!take_buffers(objs, v, 4, 3))
        return NULL;
    const uint8_t *data = v[0].buf;
    const int64_t *starts = v[1].buf, *ends = v[2].buf;
    int64_t *spans = v[3].buf;
    Py_ssize_t n = v[1].len / 8, odd = 0;
    uint64_t label_max = 0;
    int ok = v[1].itemsize == 8 && v[2].len == v[1].len && v[3].itemsize == 8
             && v[3].len / 8 >= 4 * n;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; ok && i < n; i++) {
        ok = span_within(starts, ends, i, v[0].len);
        if (ok && !sample_span(data, data + starts[i], data + ends[i], spans + 4 * i, &label_max)) {
            spans[4 * i] = -1;
            odd++;
        }
    }
    Py_END_ALLOW_THREADS
    release_buffers(v, 4);
    return ok ? Py_BuildValue("Kn", (unsigned long long)label_max, odd) : Py_NewRef(Py_None);
}

/* A varint of a sample at *p (before end), as the Python route reads one: at most ten bytes,
 * canonical (no trailing zero byte), within 64 bits. */
static inline int sample_varint(const uint8_t **p, const uint8_t *end, uint64_t *value)
{
    const uint8_t *q = *p;
    if (!read_varint(p, end, value))
        return 0;
    return *p - q == 1 || (*p)[-1] != 0;
}

/* What stack_sums reads and adds to: the locations' nodes as cum walks them (w), and how a
 * location id finds its location (dense). */
typedef struct {
    Walk w;
    const int64_t *dense;
    Py_ssize_t ids, num_types, index;
    uint64_t *flat, *cum;
    int64_t *last;
} Sums;

/* Location `id`, frame of sample i (its leaf when leaf), into flat and cum; 0 where no
 * location has the id or the location has no node. */
static inline int add_frame(const Sums *s, Py_ssize_t i, uint64_t id, int leaf, uint64_t weight)
{
    int64_t j, j_end;
    if (id >= (uint64_t)s->ids || !location_nodes(&s->w, s->dense[id], &j, &j_end) || j == j_end)
        return 0;
    if (leaf)
        s->flat[s->w.nodes[j]] += weight;
    add_once(s->w.nodes, j, j_end, s->last, i, s->cum, weight);
    return 1;
}

/* One pass over sample i's fields at p..end, reading those of field `want`, packed or not:
 * 2, its values (the one at index into *weight, every one checked below 2**63, counted in
 * *count); 1, its location ids in order, leaf first, each added with *weight. Labels (field 3)
 * are skipped: decoding checked their strings. 0 for any other field or shape. */
static int sample_pass(const Sums *s, Py_ssize_t i, const uint8_t *p, const uint8_t *end,
                       int want, uint64_t *weight, Py_ssize_t *count)
{
    int leaf = 1;
    while (p < end) {
        uint8_t tag = *p++;
        int field = tag >> 3, wire = tag & 7;
        const uint8_t *q = p, *stop;
        uint64_t value;
        if (tag >= 0x80 || field < 1 || field > 3 || (wire != 0 && wire != 2)
                || (field == 3 && wire != 2))
            return 0;
        if (wire == 0) {
            if (!sample_varint(&p, end, &value))
                return 0;
        } else {
            if (!read_varint(&q, end, &value) || value > (uint64_t)(end - q))
                return 0;
            p = q + value;
        }
        stop = p;
        if (field != want)
            continue;
        while (q < stop) {
            if (!sample_varint(&q, stop, &value))
                return 0;
            if (want == 1) {
                if (!add_frame(s, i, value, leaf, *weight))
                    return 0;
                leaf = 0;
            } else {
                if (value >= 1ull << 63 || *count >= s->num_types)
                    return 0;
                if ((*count)++ == s->index)
                    *weight = value;
            }
        }
    }
    return 1;
}

/* stack_sums(data, starts, ends, num_types, index, dense, node_offsets, nodes, flat, cum)
 *   -> the total, or None.
 * top on the small route: over the Sample records at starts..ends (int64), the value at index
 * of each (every sample has num_types values, each below 2**63) is added to the total, to flat
 * (int64 per node) of its leaf location's first node, and to cum of each node of its stack once;
 * dense (int64) maps a location id to its location (-1: none), node_offsets (int64, locations
 * + 1) and nodes (int32) give each location's nodes. Sums wrap at 2**64, as Go's int64 sums
 * do. None where decode/small.py's Python reading would raise NotSmall, or another shape:
 * that reading then decides. */
static PyObject *stack_sums(PyObject *self, PyObject *args)
{
    enum { DATA, STARTS_, ENDS_, DENSE_IDS, NODE_OFFS, NODES, FLAT, CUM, N };
    PyObject *objs[N];
    Sums s;
    if (!PyArg_ParseTuple(args, "OOOnnOOOOO", &objs[DATA], &objs[STARTS_], &objs[ENDS_],
                          &s.num_types, &s.index, &objs[DENSE_IDS], &objs[NODE_OFFS],
                          &objs[NODES], &objs[FLAT], &objs[CUM]))
        return NULL;
    Py_buffer v[N];
    if (!take_buffers(objs, v, N, FLAT))
        return NULL;
    const uint8_t *data = v[DATA].buf;
    const int64_t *starts = v[STARTS_].buf, *ends = v[ENDS_].buf;
    Py_ssize_t samples = v[STARTS_].len / 8, num_nodes = v[FLAT].len / 8;
    s.w = (Walk){NULL, v[NODE_OFFS].buf, NULL, v[NODES].buf, 0, v[NODE_OFFS].len / 8 - 1,
                 v[NODES].len / 4, num_nodes};
    s.dense = v[DENSE_IDS].buf;
    s.ids = v[DENSE_IDS].len / 8;
    s.flat = v[FLAT].buf;
    s.cum = v[CUM].buf;
    int ok = v[STARTS_].itemsize == 8 && v[ENDS_].len == v[STARTS_].len
             && v[DENSE_IDS].itemsize == 8 && v[NODE_OFFS].itemsize == 8 && v[NODES].itemsize == 4
             && v[FLAT].itemsize == 8 && v[CUM].itemsize == 8 && v[CUM].len == v[FLAT].len
             && 0 <= s.index && s.index < s.num_types && s.w.locations >= 0;
    s.last = ok ? PyMem_Malloc(sizeof(int64_t) * (num_nodes ? num_nodes : 1)) : NULL;
    if (ok && !s.last) {
        release_buffers(v, N);
        return PyErr_NoMemory();
    }
    uint64_t total = 0;
    Py_BEGIN_ALLOW_THREADS
    ok = ok && nodes_valid(&s.w);
    for (Py_ssize_t k = 0; ok && k < num_nodes; k++)
        s.last[k] = -1;
    for (Py_ssize_t i = 0; ok && i < samples; i++) {
        uint64_t weight = 0;
        Py_ssize_t count = 0;
        ok = span_within(starts, ends, i, v[DATA].len)
             && sample_pass(&s, i, data + starts[i], data + ends[i], 2, &weight, &count)
             && count == s.num_types
             && sample_pass(&s, i, data + starts[i], data + ends[i], 1, &weight, &count);
        total += weight;
    }
    Py_END_ALLOW_THREADS
    PyMem_Free(s.last);
    release_buffers(v, N);
    return ok ? PyLong_FromLongLong((long long)total) : Py_NewRef(Py_None);
}

/* ---- heap dumps --------------------------------------------------------------------- */

/* Each record's fields after its tag (runtime/heapdump.go), as heapdump.py's LAYOUTS: u a
 * varint, s a length and that many bytes, f a field list ending in kind 0, k a memprof
 * bucket's frames (a count, then each frame's name, file and line), M MemStats's 281 varints.
 * The object record (1) is read apart: its pointer fields are what the kernel is for. */
static const char *const DUMP_LAYOUTS[] = {
    "", "", "su", "uusu", "uuuuuuuusuuuu", "uuusuuusf", "uuuussu", "uuuuu", "uu", "uuu",
    "M", "uuuuu", "usf", "usf", "uuuuuuu", "uuuuuu", "uukuu", "uu",
};
#define DUMP_TAGS 18

static inline int skip_string(const uint8_t **p, const uint8_t *end)
{
    uint64_t length;
    if (!read_varint(p, end, &length) || length > (uint64_t)(end - *p))
        return 0;
    *p += length;
    return 1;
}

static int skip_layout(const char *layout, const uint8_t **p, const uint8_t *end)
{
    uint64_t value;
    for (const char *op = layout; *op; op++) {
        switch (*op) {
        case 'u':
            if (!read_varint(p, end, &value))
                return 0;
            break;
        case 's':
            if (!skip_string(p, end))
                return 0;
            break;
        case 'M':
            for (int i = 0; i < 281; i++)
                if (!read_varint(p, end, &value))
                    return 0;
            break;
        case 'k': {
            uint64_t frames;
            if (!read_varint(p, end, &frames))
                return 0;
            for (uint64_t i = 0; i < frames; i++)
                if (!skip_string(p, end) || !skip_string(p, end) || !read_varint(p, end, &value))
                    return 0;
            break;
        }
        case 'f':
            for (;;) {
                uint64_t kind;
                if (!read_varint(p, end, &kind) || kind > 3)
                    return 0;
                if (kind == 0)
                    break;
                if (!read_varint(p, end, &value))
                    return 0;
            }
            break;
        }
    }
    return 1;
}

enum { D_BUF, D_ADDR, D_START, D_SIZE, D_INDPTR, D_VALUES, D_TAG, D_AT, D_VIEWS };

/* heapdump(data, start, addr, content, size, indptr, values, tag, at) -> counts or end, or None.
 * From start (after the header and params) to the EOF record. With addr None, counts: (objects,
 * pointer fields, other records). Else fills each object's address, content offset and size
 * (uint64/int64/uint64), indptr (int64, objects + 1) into values (uint64: the word at each
 * pointer field), and each other record's tag and offset (int64), and returns the offset
 * after EOF. Reads 64-bit little-endian words: the caller checked the params record. */
static PyObject *heapdump(PyObject *self, PyObject *args)
{
    PyObject *objs[D_VIEWS];
    Py_ssize_t start;
    if (!PyArg_ParseTuple(args, "OnOOOOOOO", &objs[0], &start, &objs[1], &objs[2], &objs[3],
                          &objs[4], &objs[5], &objs[6], &objs[7]))
        return NULL;
    Py_buffer v[D_VIEWS];
    int filling = objs[D_ADDR] != Py_None;
    int taken = filling ? D_VIEWS : 1;
    PyObject *result = NULL;
    if (!take_buffers(objs, v, taken, 1))
        return NULL;
    int columns_ok = 1;
    for (int k = 1; k < taken; k++)
        columns_ok = columns_ok && v[k].itemsize == 8;
    const uint8_t *data = v[D_BUF].buf, *end = data + v[D_BUF].len;
    if (!columns_ok || start < 0 || start > v[D_BUF].len) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    Py_ssize_t cap_objects = 0, cap_values = 0, cap_other = 0;
    if (filling) {
        cap_objects = v[D_ADDR].len / 8;
        if (v[D_START].len / 8 < cap_objects) cap_objects = v[D_START].len / 8;
        if (v[D_SIZE].len / 8 < cap_objects) cap_objects = v[D_SIZE].len / 8;
        if (v[D_INDPTR].len / 8 - 1 < cap_objects) cap_objects = v[D_INDPTR].len / 8 - 1;
        cap_values = v[D_VALUES].len / 8;
        cap_other = v[D_TAG].len / 8 < v[D_AT].len / 8 ? v[D_TAG].len / 8 : v[D_AT].len / 8;
    }
    Py_ssize_t objects = 0, values = 0, other = 0;
    int ok = 0;
    Py_BEGIN_ALLOW_THREADS
    const uint8_t *p = data + start;
    for (;;) {
        const uint8_t *at = p;
        uint64_t tag;
        if (!read_varint(&p, end, &tag) || tag >= DUMP_TAGS)
            break;
        if (tag == 0) {
            ok = 1;
            break;
        }
        if (tag != 1) {
            if (!skip_layout(DUMP_LAYOUTS[tag], &p, end))
                break;
            if (filling) {
                if (other >= cap_other)
                    break;
                ((int64_t *)v[D_TAG].buf)[other] = (int64_t)tag;
                ((int64_t *)v[D_AT].buf)[other] = at - data;
            }
            other++;
            continue;
        }
        uint64_t addr, size, kind, offset;
        if (!read_varint(&p, end, &addr) || !read_varint(&p, end, &size)
            || size > (uint64_t)(end - p))
            break;
        const uint8_t *content = p;
        p += size;
        if (filling) {
            if (objects >= cap_objects)
                break;
            ((uint64_t *)v[D_ADDR].buf)[objects] = addr;
            ((int64_t *)v[D_START].buf)[objects] = content - data;
            ((uint64_t *)v[D_SIZE].buf)[objects] = size;
            ((int64_t *)v[D_INDPTR].buf)[objects] = values;
        }
        int fields_ok = 1;
        for (;;) {
            if (!read_varint(&p, end, &kind) || kind > 3) {
                fields_ok = 0;
                break;
            }
            if (kind == 0)
                break;
            if (!read_varint(&p, end, &offset) || offset > size || size - offset < 8) {
                fields_ok = 0;
                break;
            }
            if (filling) {
                if (values >= cap_values) {
                    fields_ok = 0;
                    break;
                }
                uint64_t word = 0;
                for (int b = 7; b >= 0; b--)
                    word = (word << 8) | content[offset + b];
                ((uint64_t *)v[D_VALUES].buf)[values] = word;
            }
            values++;
        }
        if (!fields_ok)
            break;
        objects++;
    }
    if (ok && filling)
        ((int64_t *)v[D_INDPTR].buf)[objects] = values;
    Py_END_ALLOW_THREADS
    if (!ok)
        result = Py_None, Py_INCREF(result);
    else if (filling)
        result = PyLong_FromSsize_t(0);
    else
        result = Py_BuildValue("(nnn)", objects, values, other);
    (void)end;
done:
    release_buffers(v, taken);
    return result;
}

/* accumulate(order, parent, values) -> None: for each node in order (children before their
 * parents: a reversed BFS order of a tree), values[parent[node]] += values[node] for every
 * column of values (int64, nodes x columns); parent -1 ends the climb. The retained sizes of
 * a dominator tree in one pass. */
static PyObject *accumulate(PyObject *self, PyObject *args)
{
    PyObject *objs[3];
    if (!PyArg_ParseTuple(args, "OOO", &objs[0], &objs[1], &objs[2]))
        return NULL;
    Py_buffer v[3];
    PyObject *result = NULL;
    if (!take_buffers(objs, v, 3, 2))
        return NULL;
    if (v[0].itemsize != 8 || v[1].itemsize != 8 || v[2].itemsize != 8 || v[2].ndim != 2
            || v[2].shape[0] != v[1].len / 8) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    Py_ssize_t nodes = v[1].len / 8, columns = v[2].shape[1], count = v[0].len / 8;
    const int64_t *order = v[0].buf, *parent = v[1].buf;
    int64_t *values = v[2].buf;
    int ok = 1;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < count; i++) {
        int64_t node = order[i];
        if (node < 0 || node >= nodes) {
            ok = 0;
            break;
        }
        int64_t up = parent[node];
        if (up < 0)
            continue;
        if (up >= nodes) {
            ok = 0;
            break;
        }
        for (Py_ssize_t c = 0; c < columns; c++)
            values[up * columns + c] += values[node * columns + c];
    }
    Py_END_ALLOW_THREADS
    result = Py_NewRef(ok ? Py_True : Py_None);
done:
    release_buffers(v, 3);
    return result;
}

/* select(data, field, start, payload, end, mask, bytes_only, out_field, out_start, out_payload,
 *        out_end) -> count, or None.
 * Of the records frame() framed (int64 columns), those whose field is in mask (bit f for field
 * f; bit 63 for every field from 63 up), in file order, into the out columns. With bytes_only, each must be
 * a length-delimited field with a one-byte tag, or None (the caller walks them one by one). */
static PyObject *select_records(PyObject *self, PyObject *args)
{
    enum { N = 9 };
    PyObject *objs[N];
    unsigned long long mask;
    int bytes_only;
    if (!PyArg_ParseTuple(args, "OOOOOKpOOOO", &objs[0], &objs[1], &objs[2], &objs[3], &objs[4],
                          &mask, &bytes_only, &objs[5], &objs[6], &objs[7], &objs[8]))
        return NULL;
    Py_buffer v[N];
    if (!take_buffers(objs, v, N, 5))
        return NULL;
    const uint8_t *data = v[0].buf;
    Py_ssize_t n = v[1].len / 8, count = 0;
    int ok = 1;
    for (int k = 1; k < N; k++)
        ok = ok && v[k].itemsize == 8 && v[k].len >= (k < 5 ? n : 0) * 8;
    for (int k = 2; k < 5; k++)
        ok = ok && v[k].len == v[1].len;
    Py_ssize_t capacity = v[5].len / 8;
    for (int k = 6; k < N; k++)
        if (v[k].len / 8 < capacity)
            capacity = v[k].len / 8;
    const int64_t *field = v[1].buf, *start = v[2].buf, *payload = v[3].buf, *end = v[4].buf;
    int64_t *out[4] = {v[5].buf, v[6].buf, v[7].buf, v[8].buf};
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; ok && i < n; i++) {
        if (field[i] < 0 || !((mask >> (field[i] < 63 ? field[i] : 63)) & 1))
            continue;
        if (count >= capacity || start[i] < 0 || start[i] >= v[0].len
                || (bytes_only && data[start[i]] != ((field[i] << 3) | 2))) {
            ok = 0;
            break;
        }
        out[0][count] = field[i];
        out[1][count] = start[i];
        out[2][count] = payload[i];
        out[3][count] = end[i];
        count++;
    }
    Py_END_ALLOW_THREADS
    release_buffers(v, N);
    return ok ? PyLong_FromSsize_t(count) : Py_NewRef(Py_None);
}

static PyMethodDef methods[] = {
    {"frame", frame, METH_VARARGS, "Frame the top-level records of a serialized Profile."},
    {"samples", samples, METH_VARARGS, "Decode a profile's Sample records into arrays."},
    {"cum", cum, METH_VARARGS, "Add each node's cum over the samples."},
    {"edges", edges, METH_VARARGS, "The call graph's edges with their weights."},
    {"messages", messages, METH_VARARGS, "Decode messages of varint fields (the small route)."},
    {"locations", locations, METH_VARARGS, "Decode Location records (the small route)."},
    {"sample_spans", sample_spans, METH_VARARGS, "Frame Sample records (the small route)."},
    {"stack_sums", stack_sums, METH_VARARGS, "top's flat, cum and total (the small route)."},
    {"select", select_records, METH_VARARGS, "Framed records of some fields (the small route)."},
    {"heapdump", heapdump, METH_VARARGS, "Frame a Go heap dump's records; its objects' pointers."},
    {"accumulate", accumulate, METH_VARARGS, "Sum values up a tree, children first."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_kernel",
    "The pprof and heap-dump decoders' per-record loops, compiled (see _kernel.c).", -1, methods,
};

PyMODINIT_FUNC PyInit__kernel(void) { return PyModule_Create(&module); }
