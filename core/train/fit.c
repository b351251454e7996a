/* fit.c: training and inference over a whole data set, in batches.
 *
 * fit is the stepper run without stops: for each batch it gathers the
 * (shuffled) examples into the model's batch buffers and runs the stepper's
 * program to its end. evaluate and predict run the forward steps only, with
 * training off (Dropout is the identity).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "model.h"

nn_status nn_model_train_on_batch(nn_model *m, const nn_tensor *x, const nn_tensor *y,
                                  double *loss, double *accuracy)
{
    NN_TRY(nn_stepper_load(&m->stepper, x, y, 0, 0));
    NN_TRY(nn_stepper_finish(&m->stepper));
    if (loss)
        *loss = m->stepper.loss;
    if (accuracy)  /* of the predictions made before the update, as Keras */
        *accuracy = nn_accuracy(nn_model_output_layer(m)->output, m->y);
    return NN_OK;
}

/* A classifier's evaluate also counts its confusion matrix, when asked to
 * (c not NULL): make room for it (classes x classes, zeroed). False for
 * other models, which have none (c->classes is then 0), and when there is
 * no memory for it (evaluate goes on without it). */
static bool start_confusion(const nn_model *m, nn_confusion *c)
{
    if (!c)
        return false;
    const nn_layer *last = nn_model_output_layer(m);
    c->classes = 0;
    c->from_validation = false;
    if (last->out_ndim != 1 || last->out_shape[0] < 2)
        return false;
    size_t classes = last->out_shape[0];
    size_t *counts = nn_realloc(c->counts, classes * classes * sizeof *counts);
    if (!counts)
        return false;
    memset(counts, 0, classes * classes * sizeof *counts);
    c->counts = counts;
    c->classes = classes;
    return true;
}

nn_status nn_model_evaluate(nn_model *m, const nn_tensor *x, const nn_tensor *y,
                            size_t batch_size, double *loss, double *accuracy,
                            nn_confusion *confusion)
{
    NN_TRY(nn_model_check_data(m, "evaluate", x, y));
    nn_tensor *xc = NULL, *yc = NULL;
    nn_status st = nn_tensor_contiguous(&xc, x);
    if (st == NN_OK)
        st = nn_tensor_contiguous(&yc, y);
    size_t n = x->shape[0], right = 0, rows = 0;  /* rows judged, see loss.h */
    double total = 0;
    bool classifier = st == NN_OK && start_confusion(m, confusion);
    batch_size = batch_size ? batch_size : 32;
    for (size_t first = 0; st == NN_OK && first < n; first += batch_size) {
        size_t count = n - first < batch_size ? n - first : batch_size;
        st = nn_model_load_rows(m, xc, yc, NULL, first, count, NN_BATCH_EVALUATE);
        if (st != NN_OK)
            break;
        if ((st = nn_phase_forward(m, false)) != NN_OK)  /* Dropout off */
            break;
        const nn_tensor *out = nn_model_output_layer(m)->output;
        total += nn_loss_value(m->loss, out, m->y) * (double)count;
        right += nn_accuracy_count(out, m->y);
        rows += nn_accuracy_rows(out);
        if (classifier)
            nn_confusion_add(out, m->y, confusion->counts);
    }
    nn_tensor_free(xc);
    nn_tensor_free(yc);
    if (st == NN_OK) {
        /* plus the penalty, as Keras's test step (the weights are fixed) */
        *loss = total / (double)n + nn_model_penalty(m);
        *accuracy = (double)right / (double)rows;
    }
    return st;
}

/* The (N, outputs...) tensor predict fills. When it is more than memory
 * holds, say what it was for and what to do instead. */
static nn_status new_predictions(nn_tensor **out, int ndim, const size_t *shape)
{
    nn_status st = nn_tensor_empty(out, ndim, shape);
    if (st != NN_ERR_NOMEM)
        return st;
    char why[256], text[96];  /* copied: nn_fail must not read the buffer it writes */
    snprintf(why, sizeof why, "%s", nn_last_error());
    const char *reason = strncmp(why, "tensor: ", 8) == 0 ? why + 8 : why;
    return nn_fail(st, "predict: no room for the predictions, of shape %s: %s; predict "
                   "fewer examples at a time", nn_shape_string(ndim, shape, text, sizeof text),
                   reason);
}

nn_status nn_model_predict(nn_model *m, const nn_tensor *x, size_t batch_size,
                           nn_tensor **out)
{
    *out = NULL;
    NN_TRY(nn_model_check_data(m, "predict", x, NULL));
    const nn_layer *last = nn_model_output_layer(m);
    size_t shape[NN_MAX_DIMS] = {x->shape[0]};
    memcpy(shape + 1, last->out_shape, (size_t)last->out_ndim * sizeof(size_t));
    nn_tensor *xc = NULL, *result = NULL;
    nn_status st = nn_tensor_contiguous(&xc, x);
    if (st == NN_OK)
        st = new_predictions(&result, last->out_ndim + 1, shape);
    size_t n = x->shape[0], row = 1;  /* elements per example */
    for (int d = 0; d < last->out_ndim; d++)
        row *= last->out_shape[d];
    batch_size = batch_size ? batch_size : 32;
    for (size_t first = 0; st == NN_OK && first < n; first += batch_size) {
        size_t count = n - first < batch_size ? n - first : batch_size;
        st = nn_model_load_rows(m, xc, NULL, NULL, first, count, NN_BATCH_PREDICT);
        if (st != NN_OK)
            break;
        if ((st = nn_phase_forward(m, false)) != NN_OK)  /* Dropout off */
            break;
        memcpy(nn_tensor_data(result) + first * row, nn_tensor_data(last->output),
               count * row * sizeof(nn_real));
    }
    nn_tensor_free(xc);
    if (st != NN_OK) {
        nn_tensor_free(result);
        return st;
    }
    *out = result;
    return NN_OK;
}

static nn_status history_init(nn_history *h, size_t epochs)
{
    memset(h, 0, sizeof *h);
    h->loss = nn_calloc(epochs, sizeof(double));
    h->accuracy = nn_calloc(epochs, sizeof(double));
    h->val_loss = nn_calloc(epochs, sizeof(double));
    h->val_accuracy = nn_calloc(epochs, sizeof(double));
    h->penalty = nn_calloc(epochs, sizeof(double));
    h->learning_rate = nn_calloc(epochs, sizeof(double));
    if (!h->loss || !h->accuracy || !h->val_loss || !h->val_accuracy || !h->penalty ||
        !h->learning_rate) {
        nn_history_free(h);
        return nn_fail(NN_ERR_NOMEM, "fit: out of memory");
    }
    return NN_OK;
}

void nn_history_free(nn_history *h)
{
    free(h->loss);
    free(h->accuracy);
    free(h->val_loss);
    free(h->val_accuracy);
    free(h->penalty);
    free(h->learning_rate);
    memset(h, 0, sizeof *h);
}

/* State of one fit call, so that each epoch is a function of its own. */
typedef struct fit_run {
    nn_model *m;
    const nn_tensor *x, *y;  /* contiguous */
    const nn_fit_options *opts;
    size_t *order;           /* this epoch's example order */
    nn_fit_report report;
    bool stop;
} fit_run;

/* A NaN or an infinity stops the batch before its update, so the model's
 * parameters and optimizer are still those from before it. Putting the
 * generator back too (Dropout drew its masks from it) leaves the model
 * exactly as it was when the batch began, still in model->x and model->y:
 * the debugger can replay the batch and show the NaN appear. The batch's
 * loss (NaN if the forward pass failed) goes into the epoch's mean, as in
 * Keras, where the epoch that ends with TerminateOnNaN logs a NaN loss. */
static void stop_on_numeric(fit_run *run, const nn_rng *rng_before, size_t count)
{
    nn_model *m = run->m;
    nn_fit_report *r = &run->report;
    m->rng = *rng_before;
    double seen = (double)r->seen;
    r->loss = (r->loss * seen + m->stepper.loss * (double)count) / (seen + (double)count);
}

static nn_status train_batch(fit_run *run, size_t first, size_t count)
{
    nn_model *m = run->m;
    nn_fit_report *r = &run->report;
    NN_TRY(nn_model_load_rows(m, run->x, run->y, run->order, first, count, NN_BATCH_TRAIN));
    nn_rng rng_before = m->rng;
    NN_TRY(nn_stepper_begin(&m->stepper, r->batch, r->epoch));
    if (run->opts->batch_begin && !run->opts->batch_begin(r, run->opts->userdata))
        run->stop = true;  /* after this batch, which may be half stepped */
    /* a step the hook ran made a NaN: back to it, so that it runs again here
     * and stops the batch as it would have without the hook */
    nn_stepper *s = &m->stepper;
    if (s->failed_at < s->cursor && s->snapshot.valid)
        NN_TRY(nn_stepper_back(s, s->cursor - s->failed_at));
    nn_status st = nn_stepper_finish(s);
    if (st == NN_ERR_NUMERIC)
        stop_on_numeric(run, &rng_before, count);
    if (st != NN_OK)
        return st;
    /* running means over the examples seen; every example has as many rows
     * as the others, so the accuracy is also the mean over every row */
    double accuracy = nn_accuracy(nn_model_output_layer(m)->output, m->y);
    double seen = (double)r->seen;
    r->loss = (r->loss * seen + m->stepper.loss * (double)count) / (seen + (double)count);
    r->accuracy = (r->accuracy * seen + accuracy * (double)count) / (seen + (double)count);
    r->penalty = (r->penalty * seen + m->penalty * (double)count) / (seen + (double)count);
    r->seen += count;
    return NN_OK;
}

static nn_status train_epoch(fit_run *run, size_t epoch)
{
    nn_model *m = run->m;
    const nn_fit_options *o = run->opts;
    size_t n = run->x->shape[0];
    nn_fit_report *r = &run->report;
    r->epoch = epoch;
    r->seen = 0;
    r->loss = r->accuracy = r->penalty = 0;
    r->epoch_end = false;
    r->val_loss = r->val_accuracy = NAN;
    r->batch = 0;
    if (o->epoch_begin && !o->epoch_begin(r, o->userdata)) {
        run->stop = true;
        return NN_OK;
    }
    r->learning_rate = m->optimizer ? m->optimizer->learning_rate : NAN;  /* set again at the end */
    if (o->no_shuffle)
        for (size_t i = 0; i < n; i++)
            run->order[i] = i;
    else
        nn_rng_permutation(&m->rng, run->order, n);
    for (r->batch = 0; r->batch < r->batches && !run->stop; r->batch++) {
        size_t first = r->batch * o->batch_size;
        NN_TRY(train_batch(run, first, n - first < o->batch_size ? n - first : o->batch_size));
        if (o->callback && !o->callback(r, o->userdata))
            run->stop = true;
        if (m->stop_training)  /* as Keras: the epoch is still validated and ended */
            break;
    }
    if (o->validation_x && !run->stop) {
        NN_TRY(nn_model_evaluate(m, o->validation_x, o->validation_y, o->batch_size,
                                 &r->val_loss, &r->val_accuracy, o->validation_confusion));
        if (o->validation_confusion)
            o->validation_confusion->from_validation = true;
        m->source = NN_BATCH_VALIDATE;  /* its last batch is in x now */
    }
    r->epoch_end = true;
    /* before the callbacks, which may change it for the next epoch */
    r->learning_rate = m->optimizer ? m->optimizer->learning_rate : NAN;
    if (o->callback && !o->callback(r, o->userdata))
        run->stop = true;
    if (m->stop_training)
        run->stop = true;
    return NN_OK;
}

nn_status nn_model_fit(nn_model *m, const nn_tensor *x, const nn_tensor *y,
                       const nn_fit_options *opts, nn_history *history)
{
    memset(history, 0, sizeof *history);
    nn_fit_options o = *opts;
    o.epochs = o.epochs ? o.epochs : 1;
    o.batch_size = o.batch_size ? o.batch_size : 32;
    NN_TRY(nn_model_check_data(m, "fit", x, y));
    if (o.validation_x && (!o.validation_y || o.validation_y->ndim == 0))
        return nn_fail(NN_ERR_ARG, "fit: validation data needs both x and y");
    nn_tensor *xc = NULL, *yc = NULL;
    nn_status st = nn_tensor_contiguous(&xc, x);
    if (st == NN_OK)
        st = nn_tensor_contiguous(&yc, y);
    size_t n = x->shape[0];
    fit_run run = {.m = m, .x = xc, .y = yc, .opts = &o};
    run.order = nn_malloc(n * sizeof *run.order);
    if (st == NN_OK && !run.order)
        st = nn_fail(NN_ERR_NOMEM, "fit: out of memory");
    if (st == NN_OK)
        st = history_init(history, o.epochs);
    run.report.epochs = o.epochs;
    run.report.batches = (n + o.batch_size - 1) / o.batch_size;
    /* fit keeps no snapshots (nobody steps back), but it does stop at the
     * first step that makes a NaN, naming it; it watches the loss, the
     * gradients and the update rather than check every step (numerics.c) */
    bool recording = m->stepper.recording, checking = m->stepper.check_numerics;
    bool watching = m->stepper.watch_numerics;
    m->stepper.recording = false;
    m->stepper.check_numerics = false;
    m->stepper.watch_numerics = true;
    m->stop_training = false;
    for (size_t e = 0; st == NN_OK && e < o.epochs && !run.stop; e++) {
        st = train_epoch(&run, e);
        if (st == NN_OK && !run.report.epoch_end)
            break;  /* stopped at the epoch's beginning: it did not run */
        history->loss[e] = run.report.loss;
        history->accuracy[e] = run.report.accuracy;
        history->val_loss[e] = run.report.val_loss;
        history->val_accuracy[e] = run.report.val_accuracy;
        history->penalty[e] = run.report.penalty;
        history->learning_rate[e] = run.report.learning_rate;
        history->epochs = e + 1;
    }
    m->stepper.recording = recording;
    m->stepper.check_numerics = checking;
    m->stepper.watch_numerics = watching;
    free(run.order);
    nn_tensor_free(xc);
    nn_tensor_free(yc);
    /* on failure there is nothing for the caller to free, except after a
     * NaN: then the epochs run so far are the caller's (Keras's fit returns
     * them when TerminateOnNaN stops it) */
    if (st != NN_OK && st != NN_ERR_NUMERIC)
        nn_history_free(history);
    return st;
}
