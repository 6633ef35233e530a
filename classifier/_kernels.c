/* Compiled scoring kernels: the hashed character n-gram counts of a batch, and the span
 * tagger's character log-odds, each in one pass where the numpy reference makes dozens of
 * passes over batch-sized arrays. Same arithmetic in the same order as the reference
 * (classifier/features.py, classifier/lm.py, classifier/spans.py), so the same numbers; the
 * Python side (classifier/kernels.py) checks arguments and allocates the outputs. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PRIME 0x100000001B3ULL        /* features._PRIME */
#define MIX 0x9E3779B97F4A7C15ULL     /* features._MIX */
#define GOLDEN 0x9E3779B97F4A7C15ULL  /* lm._GOLDEN */
#define PRINT 0xD6E8FEB86659FD93ULL   /* lm._PRINT */
#define EDGE 0x02ULL                  /* the edge mark around each paragraph */
#define PAD 2                         /* features._PAD: the tagger's edge marks per side */
#define N_TEMPLATES 12

/* features.CONTEXT_TEMPLATES: (offset, order) of the n-grams around a character */
static const int64_t TEMPLATE_OFFSET[N_TEMPLATES] = {-2, -1, 0, 1, 2, -2, -1, 0, 1, -2, -1, 0};
static const int TEMPLATE_ORDER[N_TEMPLATES] = {1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3};
/* features.SURPRISE_BINS */
static const double SURPRISE_BINS[6] = {2.0, 3.5, 5.0, 6.5, 8.0, 10.0};

static inline uint64_t mix(uint64_t h) {
    h ^= h >> 31;
    h *= MIX;
    h ^= h >> 29;
    return h;
}

/* Two counting passes of `bits` bits each (values below 2^(2 bits)), through `scratch`. */
static void radix_sort(int64_t *values, int64_t *scratch, Py_ssize_t n, int64_t *counts,
                       int bits) {
    const int64_t size = (int64_t)1 << bits, low = size - 1;
    int64_t *source = values, *target = scratch;
    for (int shift = 0; shift <= bits; shift += bits) {
        memset(counts, 0, (size_t)(size + 1) * sizeof(int64_t));
        for (Py_ssize_t i = 0; i < n; i++) counts[((source[i] >> shift) & low) + 1]++;
        for (int64_t b = 0; b < size; b++) counts[b + 1] += counts[b];
        for (Py_ssize_t i = 0; i < n; i++) target[counts[(source[i] >> shift) & low]++] = source[i];
        int64_t *t = source; source = target; target = t;
    }
}

typedef struct {
    Py_buffer view;
    int held;
} Buffer;

static int get(PyObject *obj, Buffer *b, int writable, Py_ssize_t itemsize, const char *name) {
    if (PyObject_GetBuffer(obj, &b->view, PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0))) {
        return -1;
    }
    b->held = 1;
    if (itemsize && b->view.itemsize != itemsize) {
        PyErr_Format(PyExc_TypeError, "%s: items of %zd bytes expected, got %zd", name, itemsize,
                     b->view.itemsize);
        return -1;
    }
    return 0;
}

static void release(Buffer *buffers, int n) {
    for (int i = 0; i < n; i++) if (buffers[i].held) PyBuffer_Release(&buffers[i].view);
}

/* char_ngram_counts(codes u32, starts i64, lengths i64, n_features, data f32 out,
 * indices i64 out, indptr i64 out) -> entries written */
static PyObject *char_ngram_counts(PyObject *self, PyObject *args) {
    PyObject *o[6];
    long long n_features;
    Buffer b[6] = {0};
    if (!PyArg_ParseTuple(args, "OOOLOOO", &o[0], &o[1], &o[2], &n_features, &o[3], &o[4], &o[5]))
        return NULL;
    if (get(o[0], &b[0], 0, 4, "codes") || get(o[1], &b[1], 0, 8, "starts") ||
        get(o[2], &b[2], 0, 8, "lengths") || get(o[3], &b[3], 1, 4, "data") ||
        get(o[4], &b[4], 1, 8, "indices") || get(o[5], &b[5], 1, 8, "indptr")) {
        release(b, 6);
        return NULL;
    }
    const uint32_t *codes = b[0].view.buf;
    const int64_t *starts = b[1].view.buf, *lengths = b[2].view.buf;
    float *data = b[3].view.buf;
    int64_t *indices = b[4].view.buf, *indptr = b[5].view.buf;
    Py_ssize_t n_rows = b[1].view.len / 8, capacity = b[4].view.len / 8;
    int bits = 1;
    while (((int64_t)1 << (2 * bits)) < n_features) bits++;
    int64_t longest = 0, needed = 0;
    for (Py_ssize_t p = 0; p < n_rows; p++) {
        if (lengths[p] > longest) longest = lengths[p];
        needed += 3 * lengths[p] + 3;
    }
    if (needed > capacity || b[3].view.len / 4 < capacity || b[5].view.len / 8 < n_rows + 1) {
        release(b, 6);
        PyErr_SetString(PyExc_ValueError, "output arrays too small");
        return NULL;
    }
    const uint64_t mask = (uint64_t)n_features - 1;
    uint64_t *padded = calloc((size_t)longest + 4, sizeof(uint64_t));
    int64_t *columns = malloc(((size_t)longest * 3 + 6) * sizeof(int64_t));
    int64_t *scratch = malloc(((size_t)longest * 3 + 6) * sizeof(int64_t));
    int64_t *counts = malloc((((size_t)1 << bits) + 1) * sizeof(int64_t));
    if (!padded || !columns || !scratch || !counts) {
        free(padded); free(columns); free(scratch); free(counts);
        release(b, 6);
        return PyErr_NoMemory();
    }
    Py_ssize_t filled = 0;
    Py_BEGIN_ALLOW_THREADS
    indptr[0] = 0;
    for (Py_ssize_t p = 0; p < n_rows; p++) {
        const int64_t start = starts[p], length = lengths[p], region = length + 2;
        padded[0] = EDGE;
        for (int64_t j = 0; j < length; j++) padded[1 + j] = codes[start + j];
        padded[region - 1] = EDGE;
        Py_ssize_t found = 0;
        for (int64_t j = 0; j < region; j++) {
            uint64_t poly = 0;
            for (int order = 1; order <= 3 && j + order <= region; order++) {
                poly = poly * PRIME + padded[j + order - 1];
                if (order == 1 && padded[j] == EDGE) continue;
                columns[found++] = (int64_t)(mix(poly + (uint64_t)order * 0x9E3779B1ULL) & mask);
            }
        }
        radix_sort(columns, scratch, found, counts, bits);
        for (Py_ssize_t j = 0; j < found; j++) {
            if (j > 0 && columns[j] == columns[j - 1]) {
                data[filled - 1] += 1.0f;
            } else {
                indices[filled] = columns[j];
                data[filled] = 1.0f;
                filled++;
            }
        }
        indptr[p + 1] = filled;
    }
    Py_END_ALLOW_THREADS
    free(padded); free(columns); free(scratch); free(counts);
    release(b, 6);
    return PyLong_FromSsize_t(filled);
}

typedef struct {
    const float *unigram_counts;
    float unigram_total, k;
    const void *rank;
    int rank_size;
    int64_t size;
    const void *table;
    int table_size;
    const uint64_t *keys;
    Py_ssize_t n_keys;
    const int32_t *slots;
    const uint32_t *prints;
    uint32_t empty;
    uint64_t shift;
    int64_t mask;
    const double *rest_counts;
} LM;

static inline int64_t rank_of(const LM *lm, uint64_t code) {
    return lm->rank_size == 2 ? ((const int16_t *)lm->rank)[code]
                              : ((const int32_t *)lm->rank)[code];
}

/* lm.PairCounts.count for one pair of code points */
static double pair_count(const LM *lm, uint64_t previous, uint64_t current) {
    const int64_t a = rank_of(lm, previous), b = rank_of(lm, current);
    if (a >= 0 && b >= 0) {
        const int64_t at = a * lm->size + b;
        switch (lm->table_size) {
            case 1: return (double)((const uint8_t *)lm->table)[at];
            case 2: return (double)((const uint16_t *)lm->table)[at];
            case 4: return (double)((const uint32_t *)lm->table)[at];
            default: return (double)((const uint64_t *)lm->table)[at];
        }
    }
    if (lm->n_keys == 0) return 0.0;
    const uint64_t key = (previous << 21) | current;
    const uint32_t fingerprint = (uint32_t)((key * PRINT) >> 32);
    int64_t position = (int64_t)((key * GOLDEN) >> lm->shift);
    for (;;) {
        const uint32_t slot_print = lm->prints[position];
        if (slot_print == fingerprint) {
            const int32_t at = lm->slots[position];
            if (at >= 0 && lm->keys[at] == key) return lm->rest_counts[at];
        }
        if (slot_print == lm->empty) return 0.0;
        position = (position + 1) & lm->mask;
    }
}

/* lm.CharBigramLM.surprise for one pair */
static inline double surprise(const LM *lm, uint64_t previous, uint64_t current) {
    const float unigram = (lm->unigram_counts[current] + 1.0f) / lm->unigram_total;
    const double pair = pair_count(lm, previous, current);
    const float context = lm->unigram_counts[previous] + lm->k;
    return -log((pair + (double)(lm->k * unigram)) / (double)context);
}

static inline int bin_of(double value) {
    int n = 0;
    for (int i = 0; i < 6; i++) n += value >= SURPRISE_BINS[i];
    return n;
}

/* features.segment_moving_mean(values, lengths, 2 * half + 1), from a running sum over the
 * whole batch as numpy computes it */
static void moving_mean(const double *values, Py_ssize_t n, const int64_t *starts,
                        const int64_t *lengths, Py_ssize_t n_rows, int64_t half, double *sums,
                        double *out) {
    double total = 0.0;
    sums[0] = 0.0;
    for (Py_ssize_t i = 0; i < n; i++) {
        total += values[i];
        sums[i + 1] = total;
    }
    const double width = (double)(2 * half + 1);
    for (Py_ssize_t p = 0; p < n_rows; p++) {
        const int64_t start = starts[p], end = starts[p] + lengths[p];
        for (int64_t i = start; i < end; i++) {
            if (i - start >= half && end - 1 - i >= half) {
                out[i] = (sums[i + half + 1] - sums[i - half]) / width;
            } else {
                const int64_t lo = i - half > start ? i - half : start;
                const int64_t hi = i + half + 1 < end ? i + half + 1 : end;
                out[i] = (sums[hi] - sums[lo]) / (double)(hi - lo);
            }
        }
    }
}

/* tagger_logits(codes u32, starts i64, lengths i64, weights f32, salts i64[12],
 * code_weights f32[256], intercept, unigram_counts f32, unigram_total, k, rank i16|i32, size,
 * table u8|u16|u32|u64, keys u64, slots i32, prints u32, empty, shift, mask, rest_counts f64,
 * logits f32 out): the weights of the hashed n-grams around each character (paragraphs between
 * two edge marks), then those of its four surprise codes, then the intercept, added in float32
 * in that order, as the numpy branch of kernels.tagger_logits adds them */
static PyObject *tagger_logits(PyObject *self, PyObject *args) {
    PyObject *o[14];
    float intercept;
    LM lm;
    long long size, shift, mask;
    unsigned long empty;
    Buffer b[14] = {0};
    if (!PyArg_ParseTuple(args, "OOOOOOfOffOLOOOOkLLOO", &o[0], &o[1], &o[2], &o[3], &o[4],
                          &o[5], &intercept, &o[6], &lm.unigram_total, &lm.k, &o[7], &size,
                          &o[8], &o[9], &o[10], &o[11], &empty, &shift, &mask, &o[12], &o[13]))
        return NULL;
    if (get(o[0], &b[0], 0, 4, "codes") || get(o[1], &b[1], 0, 8, "starts") ||
        get(o[2], &b[2], 0, 8, "lengths") || get(o[3], &b[3], 0, 4, "weights") ||
        get(o[4], &b[4], 0, 8, "salts") || get(o[5], &b[5], 0, 4, "code_weights") ||
        get(o[6], &b[6], 0, 4, "unigram_counts") || get(o[7], &b[7], 0, 0, "rank") ||
        get(o[8], &b[8], 0, 0, "table") || get(o[9], &b[9], 0, 8, "keys") ||
        get(o[10], &b[10], 0, 4, "slots") || get(o[11], &b[11], 0, 4, "prints") ||
        get(o[12], &b[12], 0, 8, "rest_counts") || get(o[13], &b[13], 1, 4, "logits")) {
        release(b, 14);
        return NULL;
    }
    const uint32_t *codes = b[0].view.buf;
    const int64_t *starts = b[1].view.buf, *lengths = b[2].view.buf;
    const float *weights = b[3].view.buf, *code_weights = b[5].view.buf;
    const int64_t *salts = b[4].view.buf;
    float *logits = b[13].view.buf;
    const Py_ssize_t n = b[0].view.len / 4, n_rows = b[1].view.len / 8;
    const uint64_t feature_mask = (uint64_t)(b[3].view.len / 4) - 1;
    lm.unigram_counts = b[6].view.buf;
    lm.rank = b[7].view.buf;
    lm.rank_size = (int)b[7].view.itemsize;
    lm.size = size;
    lm.table = b[8].view.buf;
    lm.table_size = (int)b[8].view.itemsize;
    lm.keys = b[9].view.buf;
    lm.n_keys = b[9].view.len / 8;
    lm.slots = b[10].view.buf;
    lm.prints = b[11].view.buf;
    lm.empty = (uint32_t)empty;
    lm.shift = (uint64_t)shift;
    lm.mask = mask;
    lm.rest_counts = b[12].view.buf;
    if (b[4].view.len / 8 != N_TEMPLATES || b[5].view.len / 4 != 256 || b[13].view.len / 4 != n ||
        (lm.rank_size != 2 && lm.rank_size != 4)) {
        release(b, 14);
        PyErr_SetString(PyExc_ValueError, "tagger_logits: arrays of the wrong size or type");
        return NULL;
    }
    int64_t longest = 0;
    for (Py_ssize_t p = 0; p < n_rows; p++) if (lengths[p] > longest) longest = lengths[p];
    const int64_t widest = longest + 2 * PAD;
    uint64_t *padded = calloc((size_t)widest + 3, sizeof(uint64_t));
    int64_t *buckets = malloc((size_t)widest * 4 * sizeof(int64_t));
    double *into = malloc(((size_t)n + 1) * sizeof(double));
    double *window = malloc(((size_t)n + 1) * sizeof(double));
    double *sums = malloc(((size_t)n + 1) * sizeof(double));
    if (!padded || !buckets || !into || !window || !sums) {
        free(padded); free(buckets); free(into); free(window); free(sums);
        release(b, 14);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t p = 0; p < n_rows; p++) {
        const int64_t start = starts[p], length = lengths[p], region = length + 2 * PAD;
        if (length == 0) continue;
        for (int j = 0; j < PAD; j++) padded[j] = padded[PAD + length + j] = EDGE;
        for (int64_t j = 0; j < length; j++) padded[PAD + j] = codes[start + j];
        for (int64_t j = 0; j < region; j++) {
            uint64_t poly = 0;
            for (int order = 1; order <= 3; order++) {
                /* past the region the reference reads the next paragraph's marks; no template
                   reads these buckets */
                poly = poly * PRIME + (j + order - 1 < region ? padded[j + order - 1] : 0);
                buckets[order * widest + j] = (int64_t)(mix(poly) & feature_mask);
            }
        }
        for (int64_t j = 0; j < length; j++) {
            const int64_t at = PAD + j;
            float total = 0.0f;
            for (int t = 0; t < N_TEMPLATES; t++)
                total += weights[buckets[TEMPLATE_ORDER[t] * widest + at + TEMPLATE_OFFSET[t]] ^
                                 salts[t]];
            logits[start + j] = total;
        }
        uint64_t previous = EDGE;
        for (int64_t j = 0; j < length; j++) {
            const uint64_t current = codes[start + j];
            into[start + j] = surprise(&lm, previous, current);
            previous = current;
        }
    }
    moving_mean(into, n, starts, lengths, n_rows, 2, sums, window);
    for (Py_ssize_t p = 0; p < n_rows; p++) {
        const int64_t start = starts[p], end = starts[p] + lengths[p];
        for (int64_t i = start; i < end; i++) {
            const int b_into = bin_of(into[i]);
            const int b_out = bin_of(i + 1 < end ? into[i + 1] : 0.0);
            float total = logits[i];
            total += code_weights[b_into];
            total += code_weights[b_out + 16];
            total += code_weights[b_into * 8 + b_out + 32];
            total += code_weights[bin_of(window[i]) + 128];
            logits[i] = total + intercept;
        }
    }
    Py_END_ALLOW_THREADS
    free(padded); free(buckets); free(into); free(window); free(sums);
    release(b, 14);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"char_ngram_counts", char_ngram_counts, METH_VARARGS, "hashed character n-gram counts"},
    {"tagger_logits", tagger_logits, METH_VARARGS, "the span tagger's character log-odds"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_kernels", NULL, -1, methods};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
