/* model_file.c: saving and loading models (the format is in model_file.h).
 *
 * Saving encodes the whole file into memory first (a "writer"), so that the
 * checksum can be computed over it and the disk sees a single write; then
 * nn_write_file_atomically puts it in place: temporary file, fsync, rename.
 *
 * Loading reads the whole file into memory, checks the envelope (size,
 * magic, version, declared length, checksum) before believing any of it,
 * then walks the contents with a "reader" that refuses to step past the
 * end: every read goes through take(), the one place that checks bounds.
 * The model is rebuilt the way a user would build it (constructors,
 * nn_model_add, nn_model_compile) so the core's own checks apply to a file
 * just as to typed input, and on any error it is freed whole.
 *
 * Left out: memory-mapping large files, compression, saving the stepper's
 * position.
 */
#include "model_file.h"

#include "alloc.h"
#include "atomic_file.h"
#include "checked_path.h"
#include "interrupt.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "layer_config.h"
#include "layer_kinds.h"

static const unsigned char file_magic[8] = {'N', 'N', 'S', 'T', 'E', 'P', 0x00, 0x01};
#define HEADER_BYTES 20  /* magic (8), version (4), file size (8) */
#define SIZE_FIELD 12    /* where the file size is */
#define CRC_BYTES 4      /* the checksum at the very end */

/* ---- little-endian numbers, whatever this machine's byte order ---- */

static void store_le(unsigned char *p, uint64_t value, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(value >> (8 * i));  /* least significant first */
}

static uint64_t load_le(const unsigned char *p, int bytes)
{
    uint64_t value = 0;
    for (int i = bytes - 1; i >= 0; i--)
        value = value << 8 | p[i];
    return value;
}

/* zlib's crc32 takes at most 4 GiB at a time (a uInt); feed it in pieces. */
static uint32_t checksum(const unsigned char *data, size_t len)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    while (len > 0) {
        uInt piece = len > (1u << 30) ? (1u << 30) : (uInt)len;
        crc = crc32(crc, data, piece);
        data += piece;
        len -= piece;
    }
    return (uint32_t)crc;
}

/* "PATH: " before the message a core function (a constructor, compile)
 * left, so the user knows the problem came from this file. */
static nn_status with_path(nn_status st, const char *path, const char *context)
{
    char why[512];
    snprintf(why, sizeof why, "%s", nn_last_error());
    return nn_fail(st, "%s: %s%s", path, context, why);
}

/* The values in one example of c's input_shape, or NN_MODEL_FILE_MAX_INPUT
 * + 1 if there are more (stopping there, so the product cannot overflow). */
static size_t input_values(const nn_layer_config *c)
{
    size_t values = 1;
    for (int d = 0; d < c->input_ndim; d++) {
        if (c->input_shape[d] > NN_MODEL_FILE_MAX_INPUT)
            return NN_MODEL_FILE_MAX_INPUT + 1;
        values *= c->input_shape[d];  /* at most 2^24 * 2^24 */
        if (values > NN_MODEL_FILE_MAX_INPUT)
            return NN_MODEL_FILE_MAX_INPUT + 1;
    }
    return values;
}

/* ==== writing ==== */

/* A growing byte buffer. Like a FILE, it remembers a failure and ignores
 * later puts, so the encoder checks once at the end instead of after every
 * number. */
typedef struct writer {
    unsigned char *data;
    size_t len, cap;
    bool out_of_memory;
    bool unfit;      /* a value the format cannot hold: a size over 4 billion,
                        a name too long or with a control character in it */
} writer;

static void put_bytes(writer *w, const void *bytes, size_t n)
{
    if (w->out_of_memory)
        return;
    if (n > w->cap - w->len) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap - w->len < n && cap <= SIZE_MAX / 2)
            cap *= 2;
        unsigned char *grown = cap - w->len < n ? NULL : nn_realloc(w->data, cap);
        if (!grown) {
            w->out_of_memory = true;
            return;
        }
        w->data = grown;
        w->cap = cap;
    }
    memcpy(w->data + w->len, bytes, n);
    w->len += n;
}

static void put_uint(writer *w, uint64_t value, int bytes)
{
    unsigned char b[8];
    store_le(b, value, bytes);
    put_bytes(w, b, (size_t)bytes);
}

static void put_u8(writer *w, unsigned value) { put_uint(w, value, 1); }
static void put_u32(writer *w, uint32_t value) { put_uint(w, value, 4); }
static void put_u64(writer *w, uint64_t value) { put_uint(w, value, 8); }

/* A size in a uint32 field (shapes, units, ...). */
static void put_dim(writer *w, size_t value)
{
    if (value > UINT32_MAX)
        w->unfit = true;
    put_u32(w, (uint32_t)value);
}

/* Floating-point numbers go as their IEEE 754 bits. */
static void put_f32(writer *w, float value)
{
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    put_u32(w, bits);
}

static void put_f64(writer *w, double value)
{
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    put_u64(w, bits);
}

/* Names are shorter than NN_NAME_SIZE (48), so one length byte is enough.
 * Control characters are refused here because load refuses them. */
static void put_string(writer *w, const char *s)
{
    size_t n = strlen(s);
    if (n >= NN_NAME_SIZE)
        w->unfit = true;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            w->unfit = true;
    put_u8(w, (unsigned)n);
    put_bytes(w, s, n);
}

/* A setting's value, as its type says (model_file.h). */
static void put_setting(writer *w, nn_setting_type type, const nn_setting_value *v)
{
    switch (type) {
    case NN_SETTING_SIZE: put_dim(w, v->size); break;
    case NN_SETTING_PAIR: put_dim(w, v->pair[0]); put_dim(w, v->pair[1]); break;
    case NN_SETTING_NUMBER: put_f64(w, v->number); break;
    case NN_SETTING_PADDING:
    case NN_SETTING_FLAG: put_u8(w, v->flag); break;
    }
}

/* The regularizers' factors as extra setting records, after the kind's
 * own: "kernel_regularizer.l2" and the like, numbers; only the ones that are
 * not 0, so a model without regularizers is written as before. */
typedef struct regularizer_record {
    const char *name;
    size_t offset;  /* of the factor in nn_layer_config */
} regularizer_record;

static const regularizer_record regularizer_records[] = {
    {"kernel_regularizer.l1", offsetof(nn_layer_config, kernel_regularizer.l1)},
    {"kernel_regularizer.l2", offsetof(nn_layer_config, kernel_regularizer.l2)},
    {"bias_regularizer.l1", offsetof(nn_layer_config, bias_regularizer.l1)},
    {"bias_regularizer.l2", offsetof(nn_layer_config, bias_regularizer.l2)},
    {"recurrent_regularizer.l1", offsetof(nn_layer_config, recurrent_regularizer.l1)},
    {"recurrent_regularizer.l2", offsetof(nn_layer_config, recurrent_regularizer.l2)},
};
#define REGULARIZER_RECORDS (sizeof regularizer_records / sizeof regularizer_records[0])

static double *regularizer_factor(nn_layer_config *c, size_t r)
{
    return (double *)((char *)c + regularizer_records[r].offset);
}

static unsigned regularizer_record_count(const nn_layer_config *c)
{
    unsigned n = 0;
    for (size_t r = 0; r < REGULARIZER_RECORDS; r++)
        n += *regularizer_factor((nn_layer_config *)c, r) != 0;
    return n;
}

static void put_regularizer_records(writer *w, const nn_layer_config *c)
{
    for (size_t r = 0; r < REGULARIZER_RECORDS; r++) {
        double factor = *regularizer_factor((nn_layer_config *)c, r);
        if (factor == 0)
            continue;
        put_string(w, regularizer_records[r].name);
        put_u8(w, NN_SETTING_NUMBER);
        put_f64(w, factor);
    }
}

/* One layer record, in the order model_file.h lists: the settings every
 * kind shares, then the kind's own, each with its name and type. */
static void put_layer(writer *w, const nn_layer_kind *kind, const nn_layer_config *c)
{
    put_string(w, c->class_name);
    put_string(w, c->name);
    put_string(w, c->activation);
    put_string(w, c->recurrent_activation);
    put_u8(w, c->use_bias);
    put_string(w, c->kernel_initializer);
    put_u8(w, (unsigned)c->input_ndim);
    for (int d = 0; d < c->input_ndim; d++)
        put_dim(w, c->input_shape[d]);
    int n = nn_layer_kind_num_settings(kind);
    put_u8(w, (unsigned)n + regularizer_record_count(c));
    for (int i = 0; i < n; i++) {
        put_string(w, kind->settings[i].name);
        put_u8(w, kind->settings[i].type);
        put_setting(w, kind->settings[i].type, &c->settings[i]);
    }
    put_regularizer_records(w, c);
}

static void put_compile_settings(writer *w, const nn_model *m)
{
    const nn_optimizer *opt = m->optimizer;
    put_string(w, nn_loss_name(m->loss));
    put_string(w, nn_optimizer_name(opt));
    put_f64(w, opt->learning_rate);
    put_f64(w, opt->momentum);
    put_u8(w, opt->nesterov != 0);
    put_f64(w, opt->beta_1);
    put_f64(w, opt->beta_2);
    put_f64(w, opt->rho);
    put_f64(w, opt->epsilon);
    put_f64(w, opt->clipnorm);
    put_f64(w, opt->clipvalue);
    put_f64(w, opt->global_clipnorm);  /* from version 2 */
    put_u8(w, opt->centered != 0);
}

/* Every parameter, layer by layer, element by element in row-major order
 * (nn_iter walks any layout in that order). */
static void put_weights(writer *w, const nn_model *m)
{
    put_u64(w, nn_model_param_count(m));
    for (int i = 0; i < m->num_layers; i++) {
        const nn_layer *layer = m->layers[i];
        for (int k = 0; k < layer->num_params; k++) {
            const nn_tensor *t = layer->params[k].value;
            for (nn_iter it = nn_iter_start(t); !it.done; nn_iter_next(&it))
                put_f32(w, (float)t->storage->data[it.offset]);
        }
    }
}

static void put_optimizer_state(writer *w, const nn_optimizer *opt)
{
    put_u64(w, opt->iterations);
    put_u32(w, (uint32_t)opt->num_state);
    for (int a = 0; a < opt->num_state; a++)
        for (size_t i = 0; i < opt->size; i++)
            put_f32(w, (float)opt->state[a][i]);
}

/* The whole file, checksum included, into w. */
static nn_status encode_model(const nn_model *m, const char *path, writer *w)
{
    /* a loop that has not chosen its loss yet has no compile settings to keep */
    bool compiled = m->compiled && m->optimizer && m->loss_chosen;
    if (compiled && m->optimizer->size != nn_model_trainable_count(m))
        return nn_fail(NN_ERR_STATE, "%s: the optimizer's state does not fit the model; "
                       "compile again", path);
    put_bytes(w, file_magic, sizeof file_magic);
    put_u32(w, NN_MODEL_FILE_VERSION);
    put_u64(w, 0);  /* the file size: filled in below, once known */
    put_u32(w, (uint32_t)m->num_layers);
    for (int i = 0; i < m->num_layers; i++) {
        nn_layer_config cfg;
        nn_status st = nn_layer_get_config(m->layers[i], &cfg);
        if (st != NN_OK)
            return with_path(st, path, "");
        if (input_values(&cfg) > NN_MODEL_FILE_MAX_INPUT)  /* load would refuse it */
            return nn_fail(NN_ERR_ARG, "%s: %s's input_shape has more than %zu values; "
                           "model files cannot hold it", path, cfg.name,
                           NN_MODEL_FILE_MAX_INPUT);
        put_layer(w, m->layers[i]->kind, &cfg);
    }
    put_u8(w, compiled);
    if (compiled)
        put_compile_settings(w, m);
    put_u64(w, m->rng.state);
    put_u64(w, m->rng.increment);
    put_weights(w, m);
    if (compiled)
        put_optimizer_state(w, m->optimizer);
    if (w->out_of_memory)
        return nn_fail(NN_ERR_NOMEM, "%s: out of memory while saving", path);
    if (w->unfit)
        return nn_fail(NN_ERR_ARG, "%s: a layer setting does not fit the file format (a "
                       "name with a control character, or a size over 4 billion)", path);
    if (w->len > NN_MODEL_FILE_MAX_BYTES - CRC_BYTES)
        return nn_fail(NN_ERR_ARG, "%s: the model needs %zu bytes; model files are "
                       "limited to 2 GiB", path, w->len + CRC_BYTES);
    store_le(w->data + SIZE_FIELD, w->len + CRC_BYTES, 8);
    put_u32(w, checksum(w->data, w->len));
    return w->out_of_memory ? nn_fail(NN_ERR_NOMEM, "%s: out of memory while saving", path)
                            : NN_OK;
}

/* ---- putting the bytes on disk, atomically (atomic_file.c) ---- */

typedef struct file_bytes {
    const unsigned char *data;
    size_t len;
} file_bytes;

static bool write_bytes(FILE *f, void *userdata)
{
    const file_bytes *b = userdata;
    return fwrite(b->data, 1, b->len, f) == b->len;
}

nn_status nn_model_save(const nn_model *m, const char *path)
{
    writer w = {0};
    nn_status st = encode_model(m, path, &w);
    if (st == NN_OK)
        st = nn_write_file_atomically(path, write_bytes, &(file_bytes){w.data, w.len});
    free(w.data);
    return st;
}

/* ==== reading ==== */

/* A cursor over the file's bytes. Every read goes through take(), which
 * refuses to go past len: nothing else indexes data. */
typedef struct reader {
    const unsigned char *data;
    size_t len;   /* bytes that may be read (the checksum excluded) */
    size_t pos;   /* the next byte to read */
    const char *path;
    uint32_t version;  /* the file's format version */
} reader;

static nn_status take(reader *r, size_t n, const unsigned char **bytes)
{
    *bytes = NULL;
    if (n > r->len - r->pos)  /* written so that it cannot overflow */
        return nn_fail(NN_ERR_FORMAT, "%s: truncated at byte %zu", r->path, r->len);
    *bytes = r->data + r->pos;
    r->pos += n;
    return NN_OK;
}

/* The contents make no sense at the current position. */
static nn_status corrupted(const reader *r, const char *what)
{
    return nn_fail(NN_ERR_FORMAT, "%s: corrupted at byte %zu: %s", r->path, r->pos, what);
}

static nn_status get_uint(reader *r, int bytes, uint64_t *value)
{
    const unsigned char *p = NULL;
    NN_TRY(take(r, (size_t)bytes, &p));
    *value = load_le(p, bytes);
    return NN_OK;
}

static nn_status get_u32(reader *r, uint32_t *value)
{
    uint64_t v;
    NN_TRY(get_uint(r, 4, &v));
    *value = (uint32_t)v;
    return NN_OK;
}

static nn_status get_u64(reader *r, uint64_t *value) { return get_uint(r, 8, value); }

static nn_status get_dim(reader *r, size_t *value)
{
    uint32_t v;
    NN_TRY(get_u32(r, &v));
    *value = v;
    return NN_OK;
}

/* A byte that must be 0 or 1. */
static nn_status get_flag(reader *r, bool *value)
{
    uint64_t v;
    NN_TRY(get_uint(r, 1, &v));
    if (v > 1)
        return corrupted(r, "expected a flag, 0 or 1");
    *value = v == 1;
    return NN_OK;
}

static nn_status get_f64(reader *r, double *value)
{
    uint64_t bits;
    NN_TRY(get_u64(r, &bits));
    memcpy(value, &bits, sizeof *value);
    return NN_OK;
}

/* A length byte and that many bytes of text, into out (NN_NAME_SIZE bytes).
 * Control characters are refused: names get printed in messages. */
static nn_status get_string(reader *r, char out[NN_NAME_SIZE])
{
    uint64_t n;
    const unsigned char *text = NULL;
    NN_TRY(get_uint(r, 1, &n));
    if (n >= NN_NAME_SIZE)
        return corrupted(r, "a name longer than 47 bytes");
    NN_TRY(take(r, (size_t)n, &text));
    for (size_t i = 0; i < n; i++)
        if (text[i] < 0x20 || text[i] == 0x7f)
            return corrupted(r, "a control character in a name");
    memcpy(out, text, (size_t)n);
    out[n] = '\0';
    return NN_OK;
}

/* One setting of a version 3 record: name, type, value (put_setting). */
static nn_status get_setting_record(reader *r, char name[NN_NAME_SIZE],
                                    nn_setting_type *type, nn_setting_value *v)
{
    uint64_t t;
    memset(v, 0, sizeof *v);
    NN_TRY(get_string(r, name));
    NN_TRY(get_uint(r, 1, &t));
    *type = (nn_setting_type)t;
    switch (t) {
    case NN_SETTING_SIZE: return get_dim(r, &v->size);
    case NN_SETTING_PAIR: NN_TRY(get_dim(r, &v->pair[0])); return get_dim(r, &v->pair[1]);
    case NN_SETTING_NUMBER: return get_f64(r, &v->number);
    case NN_SETTING_PADDING:
    case NN_SETTING_FLAG: return get_flag(r, &v->flag);
    default: return corrupted(r, "a layer setting of an unknown type");
    }
}

/* A regularizer record (put_regularizer_records): false if name is none. */
static bool take_regularizer_record(nn_layer_config *c, const char *name, double factor)
{
    for (size_t r = 0; r < REGULARIZER_RECORDS; r++)
        if (strcmp(name, regularizer_records[r].name) == 0) {
            *regularizer_factor(c, r) = factor;
            return true;
        }
    return false;
}

/* The kind's own settings of a version 3 record, found by name; a setting
 * the record leaves out stays 0. (kind NULL: an unknown class, which
 * nn_layer_from_config reports; its settings are read and dropped.) */
static nn_status get_kind_settings(reader *r, const nn_layer_kind *kind, nn_layer_config *c)
{
    uint64_t count;
    NN_TRY(get_uint(r, 1, &count));
    if (count > NN_MAX_SETTINGS + REGULARIZER_RECORDS)
        return corrupted(r, "more layer settings than any kind has");
    for (uint64_t k = 0; k < count; k++) {
        char name[NN_NAME_SIZE];
        nn_setting_type type;
        nn_setting_value value;
        NN_TRY(get_setting_record(r, name, &type, &value));
        if (!kind)
            continue;
        if (type == NN_SETTING_NUMBER && take_regularizer_record(c, name, value.number))
            continue;  /* the constructor checks the factor */
        int i = nn_layer_kind_setting_index(kind, name);
        if (i < 0 || kind->settings[i].type != type) {
            char what[128];
            snprintf(what, sizeof what, "%s has no setting '%s' of this type",
                     kind->class_name, name);
            return corrupted(r, what);
        }
        c->settings[i] = value;
    }
    return NN_OK;
}

/* Versions 1 and 2 gave every record every kind's fields, in this order;
 * the kind takes the ones its settings name. */
static nn_status get_fixed_settings(reader *r, const nn_layer_kind *kind, nn_layer_config *c)
{
    size_t units, filters, kernel[2], pool[2], strides[2];
    bool same_padding, return_sequences;
    double rate;
    NN_TRY(get_dim(r, &units));
    NN_TRY(get_dim(r, &filters));
    NN_TRY(get_dim(r, &kernel[0]));
    NN_TRY(get_dim(r, &kernel[1]));
    NN_TRY(get_dim(r, &pool[0]));
    NN_TRY(get_dim(r, &pool[1]));
    NN_TRY(get_dim(r, &strides[0]));
    NN_TRY(get_dim(r, &strides[1]));
    NN_TRY(get_flag(r, &same_padding));
    NN_TRY(get_f64(r, &rate));
    NN_TRY(get_flag(r, &return_sequences));
    const struct {
        const char *name;
        nn_setting_value value;
    } fields[] = {
        {"units", {.size = units}},
        {"filters", {.size = filters}},
        {"kernel_size", {.pair = {kernel[0], kernel[1]}}},
        {"pool_size", {.pair = {pool[0], pool[1]}}},
        {"strides", {.pair = {strides[0], strides[1]}}},
        {"padding", {.flag = same_padding}},
        {"rate", {.number = rate}},
        {"return_sequences", {.flag = return_sequences}},
    };
    for (size_t f = 0; kind && f < sizeof fields / sizeof fields[0]; f++) {
        int i = nn_layer_kind_setting_index(kind, fields[f].name);
        if (i >= 0)
            c->settings[i] = fields[f].value;
    }
    return NN_OK;
}

/* One layer record (put_layer, backwards). */
static nn_status get_layer(reader *r, nn_layer_config *c)
{
    uint64_t ndim;
    memset(c, 0, sizeof *c);
    NN_TRY(get_string(r, c->class_name));
    NN_TRY(get_string(r, c->name));
    NN_TRY(get_string(r, c->activation));
    NN_TRY(get_string(r, c->recurrent_activation));
    NN_TRY(get_flag(r, &c->use_bias));
    NN_TRY(get_string(r, c->kernel_initializer));
    NN_TRY(get_uint(r, 1, &ndim));
    if (ndim >= NN_MAX_DIMS)  /* input_shape has room for NN_MAX_DIMS - 1 */
        return corrupted(r, "an input_shape with too many dimensions");
    c->input_ndim = (int)ndim;
    for (int d = 0; d < c->input_ndim; d++)
        NN_TRY(get_dim(r, &c->input_shape[d]));
    if (input_values(c) > NN_MODEL_FILE_MAX_INPUT)
        return corrupted(r, "an input_shape larger than any model file takes");
    const nn_layer_kind *kind = nn_layer_kind_find(c->class_name);
    if (r->version >= 3)
        return get_kind_settings(r, kind, c);
    return get_fixed_settings(r, kind, c);
}

/* Every weight takes 4 bytes of the file, so a layer may not create more
 * parameter values than the rest of the file holds: a damaged size (units
 * 4 billion) must not make us allocate and initialize it. Its build stops
 * at the limit (layer.h), so the count comes from build, not from a second
 * formula here. */
static void limit_layer(const reader *r, nn_layer *layer, size_t before)
{
    size_t have = (r->len - r->pos) / 4;
    layer->limit_params = true;
    layer->param_limit = have > before ? have - before : 0;
}

static nn_status too_big(const reader *r, const char *context, const nn_layer_config *cfg)
{
    return nn_fail(NN_ERR_FORMAT, "%s: %s%s needs more weights than the rest of the "
                   "file holds (truncated or corrupted)", r->path, context, cfg->class_name);
}

/* Each layer is made by its constructor and added as a user would add it,
 * so the core checks it as it checks typed input. */
static nn_status read_layers(reader *r, nn_model *m)
{
    uint32_t count;
    NN_TRY(get_u32(r, &count));
    if (count > NN_MAX_LAYERS)
        return nn_fail(NN_ERR_FORMAT, "%s: the file says %" PRIu32 " layers; a model has at "
                       "most %d (corrupted?)", r->path, count, NN_MAX_LAYERS);
    size_t weights = 0;  /* of the layers so far: counted once, not per layer */
    for (uint32_t i = 0; i < count; i++) {
        nn_layer_config cfg;
        nn_layer *layer;
        char context[32];
        if (nn_interrupt_requested())
            return nn_fail(NN_ERR_INTERRUPTED, "%s: loading interrupted at layer %" PRIu32
                           " of %" PRIu32 "; nothing was loaded", r->path, i + 1, count);
        snprintf(context, sizeof context, "layer %" PRIu32 ": ", i + 1);
        NN_TRY(get_layer(r, &cfg));
        nn_status st = nn_layer_from_config(&cfg, &layer);
        if (st != NN_OK)
            return with_path(st, r->path, context);
        limit_layer(r, layer, weights);
        st = nn_model_add(m, layer);
        if (st != NN_OK) {
            nn_layer_free(layer);  /* on failure the caller still owns it */
            return st == NN_ERR_FORMAT ? too_big(r, context, &cfg)
                                       : with_path(st, r->path, context);
        }
        layer->limit_params = false;
        weights += nn_layer_param_count(layer);
    }
    return NN_OK;
}

/* The optimizer's settings: finite and not negative, as any typed in. */
static nn_status get_setting(reader *r, double *value)
{
    NN_TRY(get_f64(r, value));
    if (!(isfinite(*value) && *value >= 0))
        return corrupted(r, "an optimizer setting that is negative or not finite");
    return NN_OK;
}

/* A version 1 file was written by an nnstep whose clipnorm clipped all the
 * gradients together (Keras's global_clipnorm) and whose RMSprop ignored
 * momentum: read so, the model trains on as it was trained. That nnstep
 * also let clipvalue and clipnorm be set together; both stay (the value is
 * clipped first, as it did). */
static void convert_version_1(nn_optimizer *opt)
{
    opt->global_clipnorm = opt->clipnorm;
    opt->clipnorm = 0;
    if (opt->kind == NN_OPT_RMSPROP)
        opt->momentum = 0;
}

static nn_status get_optimizer_settings(reader *r, nn_optimizer *opt)
{
    bool nesterov, centered = false;
    NN_TRY(get_setting(r, &opt->learning_rate));
    NN_TRY(get_setting(r, &opt->momentum));
    NN_TRY(get_flag(r, &nesterov));
    opt->nesterov = nesterov;
    NN_TRY(get_setting(r, &opt->beta_1));
    NN_TRY(get_setting(r, &opt->beta_2));
    NN_TRY(get_setting(r, &opt->rho));
    NN_TRY(get_setting(r, &opt->epsilon));
    NN_TRY(get_setting(r, &opt->clipnorm));
    NN_TRY(get_setting(r, &opt->clipvalue));
    if (r->version >= 2) {
        NN_TRY(get_setting(r, &opt->global_clipnorm));
        NN_TRY(get_flag(r, &centered));
    } else {
        convert_version_1(opt);
    }
    opt->centered = centered;
    /* the ranges a constructor checks (a version 1 file may clip twice) */
    nn_optimizer ranges = *opt;
    if (r->version == 1)
        ranges.clipvalue = 0;
    if (nn_optimizer_check(&ranges) != NN_OK)
        return with_path(NN_ERR_FORMAT, r->path, "corrupted: ");
    return NN_OK;
}

/* A setting the core refuses means a corrupted file; running out of memory
 * does not, and keeps its status. */
static nn_status file_fault(nn_status st)
{
    return st == NN_ERR_NOMEM ? st : NN_ERR_FORMAT;
}

/* Loss and optimizer, then compile: the optimizer starts fresh here and
 * gets its saved state after the weights (read_optimizer_state). */
static nn_status read_compile_settings(reader *r, nn_model *m)
{
    char loss_name[NN_NAME_SIZE], optimizer_name[NN_NAME_SIZE];
    nn_loss_kind loss;
    nn_optimizer *opt;
    NN_TRY(get_string(r, loss_name));
    NN_TRY(get_string(r, optimizer_name));
    nn_status st = nn_loss_parse(loss_name, &loss);
    if (st == NN_OK)
        st = nn_optimizer_new(&opt, optimizer_name);
    if (st != NN_OK)
        return with_path(file_fault(st), r->path, "");
    st = get_optimizer_settings(r, opt);
    if (st != NN_OK) {
        nn_optimizer_free(opt);
        return st;
    }
    st = nn_model_compile(m, opt, loss);  /* takes opt, also on failure */
    if (st != NN_OK)
        return with_path(file_fault(st), r->path, "");
    return NN_OK;
}

static nn_status read_rng(reader *r, nn_model *m)
{
    uint64_t state, increment;
    NN_TRY(get_u64(r, &state));
    NN_TRY(get_u64(r, &increment));
    if (increment % 2 == 0)  /* PCG32 needs an odd increment (random.h) */
        return corrupted(r, "the random generator's stream must be odd");
    m->rng.state = state;
    m->rng.increment = increment;
    return NN_OK;
}

/* n f32 values into dst (as nn_real), in order. */
static nn_status get_f32_array(reader *r, size_t n, nn_real *dst)
{
    const unsigned char *p = NULL;
    NN_TRY(take(r, n * 4, &p));  /* n * 4 fits: n values are already allocated */
    for (size_t i = 0; i < n; i++) {
        uint32_t bits = (uint32_t)load_le(p + 4 * i, 4);
        float value;
        memcpy(&value, &bits, sizeof value);
        dst[i] = (nn_real)value;
    }
    return NN_OK;
}

/* The weights go into each parameter, in the order put_weights wrote them. */
static nn_status read_weights(reader *r, nn_model *m)
{
    uint64_t count;
    NN_TRY(get_u64(r, &count));
    size_t needed = nn_model_param_count(m);
    if (count != needed)
        return nn_fail(NN_ERR_FORMAT, "%s: the file holds %" PRIu64 " weights, but its "
                       "layers need %zu", r->path, count, needed);
    for (int i = 0; i < m->num_layers; i++) {
        nn_layer *layer = m->layers[i];
        for (int k = 0; k < layer->num_params; k++) {
            nn_tensor *t = layer->params[k].value;  /* contiguous: made by the layer */
            NN_TRY(get_f32_array(r, nn_tensor_numel(t), nn_tensor_data(t)));
        }
    }
    return NN_OK;
}

static nn_status read_optimizer_state(reader *r, nn_optimizer *opt)
{
    uint64_t iterations;
    uint32_t arrays;
    NN_TRY(get_u64(r, &iterations));
    NN_TRY(get_u32(r, &arrays));
    if (arrays != (uint32_t)opt->num_state)
        return corrupted(r, "the wrong number of optimizer state arrays");
    for (int a = 0; a < opt->num_state; a++)
        NN_TRY(get_f32_array(r, opt->size, opt->state[a]));
    opt->iterations = iterations;
    return NN_OK;
}

/* Everything after the header, in the order encode_model wrote it. */
static nn_status parse_model(reader *r, nn_model *m)
{
    bool compiled;
    NN_TRY(read_layers(r, m));
    NN_TRY(get_flag(r, &compiled));
    if (compiled)
        NN_TRY(read_compile_settings(r, m));
    NN_TRY(read_rng(r, m));  /* after the layers: building them drew from it */
    NN_TRY(read_weights(r, m));
    if (compiled)
        NN_TRY(read_optimizer_state(r, m->optimizer));
    if (r->pos != r->len)
        return corrupted(r, "unexpected bytes after the model");
    return NN_OK;
}

/* ---- the envelope: what is checked before anything inside is believed ---- */

static nn_status check_header(const char *path, const unsigned char *head, size_t len);

/* The header is read and checked first (magic, version, declared size), so
 * a file that is not a model (a 2 GiB video, say) is refused before its
 * bytes are read; then the whole file, whose length the header promised. */
static nn_status read_whole_file(const char *path, unsigned char **data, size_t *len)
{
    *data = NULL;
    int fd;
    NN_TRY(nn_open_regular_file(path, O_RDONLY, &fd));
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        return nn_fail(NN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    struct stat sb;
    unsigned char head[HEADER_BYTES];
    nn_status st = NN_OK;
    if (fstat(fileno(f), &sb) != 0)
        st = nn_fail(NN_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
    size_t size = st == NN_OK ? (size_t)sb.st_size : 0;
    if (st == NN_OK && (uintmax_t)sb.st_size > NN_MODEL_FILE_MAX_BYTES)  /* before any malloc */
        st = nn_fail(NN_ERR_FORMAT, "%s: %jd bytes is too large for a model file (the "
                     "limit is 2 GiB)", path, (intmax_t)sb.st_size);
    size_t head_len = st == NN_OK ? fread(head, 1, sizeof head, f) : 0;
    if (st == NN_OK && ferror(f))
        st = nn_fail(NN_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
    if (st == NN_OK)
        st = check_header(path, head, head_len < sizeof head ? head_len : size);
    if (st == NN_OK && !(*data = nn_malloc(size ? size : 1)))
        st = nn_fail(NN_ERR_NOMEM, "%s: out of memory reading %zu bytes", path, size);
    if (st == NN_OK) {
        memcpy(*data, head, head_len);
        *len = head_len + fread(*data + head_len, 1, size - head_len, f);
        if (ferror(f))
            st = nn_fail(NN_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
    }
    fclose(f);
    if (st != NN_OK) {
        free(*data);
        *data = NULL;
    }
    return st;
}

static nn_status truncated_at(const char *path, size_t len)
{
    return nn_fail(NN_ERR_FORMAT, "%s: truncated at byte %zu", path, len);
}

/* Magic, version, declared size: in that order, so that the message names
 * the first thing wrong. `head` holds the file's first bytes (all of them
 * when len < HEADER_BYTES); len is the file's length. A future version is
 * recognized before the checksum, which a later format might compute
 * differently. */
static nn_status check_header(const char *path, const unsigned char *head, size_t len)
{
    size_t magic_len = len < sizeof file_magic ? len : sizeof file_magic;
    if (len == 0 || memcmp(head, file_magic, magic_len) != 0)
        return nn_fail(NN_ERR_FORMAT, "%s: not an nnstep model file", path);
    if (len < SIZE_FIELD)
        return truncated_at(path, len);
    uint64_t version = load_le(head + 8, 4);
    if (version > NN_MODEL_FILE_VERSION)
        return nn_fail(NN_ERR_FORMAT, "%s: written by a newer nnstep (format %" PRIu64
                       "; this one reads %d)", path, version, NN_MODEL_FILE_VERSION);
    if (version == 0)
        return nn_fail(NN_ERR_FORMAT, "%s: corrupted (format version 0)", path);
    if (len < HEADER_BYTES)
        return truncated_at(path, len);
    uint64_t size = load_le(head + SIZE_FIELD, 8);
    if (size > NN_MODEL_FILE_MAX_BYTES)  /* no file this big was ever written */
        return nn_fail(NN_ERR_FORMAT, "%s: corrupted (it says it has %" PRIu64 " bytes, "
                       "more than any model file)", path, size);
    if (size > len)
        return nn_fail(NN_ERR_FORMAT, "%s: truncated at byte %zu (the whole file has %"
                       PRIu64 " bytes)", path, len, size);
    if (size < len || size < HEADER_BYTES + CRC_BYTES)
        return nn_fail(NN_ERR_FORMAT, "%s: corrupted (the file has %zu bytes, but says it "
                       "has %" PRIu64 ")", path, len, size);
    return NN_OK;
}

/* The header again (the file may have changed since), then the checksum. */
static nn_status check_envelope(const char *path, const unsigned char *data, size_t len)
{
    NN_TRY(check_header(path, data, len));
    if (checksum(data, len - CRC_BYTES) != (uint32_t)load_le(data + len - CRC_BYTES, 4))
        return nn_fail(NN_ERR_FORMAT, "%s: corrupted (checksum mismatch); the file was "
                       "damaged after it was written", path);
    return NN_OK;
}

nn_status nn_model_load(nn_model **out, const char *path)
{
    *out = NULL;
    unsigned char *data = NULL;
    size_t len = 0;
    NN_TRY(read_whole_file(path, &data, &len));
    nn_model *m = NULL;
    nn_status st = check_envelope(path, data, len);
    if (st == NN_OK)
        st = nn_model_new(&m, 0);  /* the seed does not matter: the rng is restored */
    if (st == NN_OK) {
        reader r = {.data = data, .len = len - CRC_BYTES, .pos = HEADER_BYTES, .path = path,
                    .version = (uint32_t)load_le(data + 8, 4)};
        st = parse_model(&r, m);
    }
    free(data);
    if (st != NN_OK) {
        nn_model_free(m);  /* and with it every layer added so far */
        return st;
    }
    *out = m;
    return NN_OK;
}
