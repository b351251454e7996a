/* model_clone.h: a second model with the same layers and weights, for
 * computing on the side without touching the original's buffers.
 *
 * The decision-boundary view predicts a grid of points while a fit is
 * running (or paused in the middle of a batch): predicting with the model
 * itself would replace its batch, its layers' outputs and its buffers'
 * size, which the other views and the stepper are showing. The clone is
 * made once (each layer re-created from its config, as a model file is
 * loaded) and its weights are refreshed from the original before each use.
 */
#ifndef NN_MODEL_CLONE_H
#define NN_MODEL_CLONE_H

#include "model.h"

/* *out <- an uncompiled model with model's layers (same kinds, settings and
 * names) and a copy of its weights. Error (and *out NULL) if a layer cannot
 * be re-created from its config. */
nn_status nn_model_clone_layers(const nn_model *model, nn_model **out);

/* Whether clone still has model's architecture: as many layers, each with
 * the same kind and parameter shapes (a layer added since makes it stale). */
bool nn_model_clone_fits(const nn_model *clone, const nn_model *model);

/* Copy every parameter (buffers included) of model into clone, which fits. */
void nn_model_clone_refresh(nn_model *clone, const nn_model *model);

#endif
