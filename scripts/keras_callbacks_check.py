"""keras_callbacks_check.py: Keras 3's own callback code, run on the
scripted values of tests/lua/callbacks.lua, to check the numbers written
there by hand. Run by hand (it needs a Keras source tree, not installed
Keras; numpy is enough):

  git clone https://github.com/keras-team/keras /tmp/keras
  KERAS_SRC=/tmp/keras python3 scripts/keras_callbacks_check.py

The callbacks' files (keras/src/callbacks/*.py) are executed as they are;
only what they import from the rest of Keras is replaced by a few lines
below (ops.less is numpy's less, a model is a small object). Each line
printed is a case of tests/lua/callbacks.lua with what Keras computes;
epochs are printed from 1, as nnstep counts them.
"""
import os
import sys
import tempfile
import types
import warnings

import numpy as np

SRC = os.path.join(os.environ.get("KERAS_SRC", "."), "keras", "src", "callbacks")
warnings.simplefilter("ignore")


def module(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m


class Callback:  # keras/src/callbacks/callback.py, what these use of it
    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model


module("keras")
module("keras.src")
module("keras.src.api_export", keras_export=lambda name: (lambda cls: cls))
module("keras.src.ops", less=np.less, greater=np.greater)
module("keras.src.backend", convert_to_numpy=np.asarray)
module("keras.src.utils")
module("keras.src.utils.io_utils", print_msg=print)
module("keras.src.utils.file_utils", path_to_string=str, exists=os.path.exists,
       File=lambda path, mode: open(path, mode))
module("keras.src.trainers")
module("keras.src.trainers.compile_utils", CompileMetrics=type("CM", (), {}),
       MetricsList=type("ML", (), {}))
module("keras.src.callbacks")
module("keras.src.callbacks.callback", Callback=Callback)
sys.modules["keras.src"].ops = sys.modules["keras.src.ops"]
sys.modules["keras.src"].backend = sys.modules["keras.src.backend"]


def load(name):
    m = module("keras.src.callbacks." + name)
    with open(os.path.join(SRC, name + ".py")) as f:
        exec(compile(f.read(), f.name, "exec"), m.__dict__)
    return m


MonitorCallback = load("monitor_callback").MonitorCallback
EarlyStopping = load("early_stopping").EarlyStopping
ReduceLROnPlateau = load("reduce_lr_on_plateau").ReduceLROnPlateau
CSVLogger = load("csv_logger").CSVLogger


class Model:  # weights are epoch tags, as in the Lua test
    def __init__(self, lr=0.01):
        self.stop_training = False
        self.epoch = 0
        self.restored = None
        self.optimizer = types.SimpleNamespace(learning_rate=lr)

    def get_weights(self):
        return ["weights of epoch %d" % self.epoch]

    def set_weights(self, w):
        self.restored = w[0]


def early_stopping(values, monitor="val_loss", **options):
    es, model = EarlyStopping(monitor=monitor, **options), Model()
    es.set_model(model)
    es.on_train_begin()
    waits = []
    for epoch, value in enumerate(values):
        model.epoch = epoch + 1
        es.on_epoch_end(epoch, {monitor: value, "loss": 9})
        waits.append(es.wait)
        if model.stop_training:
            break
    es.on_train_end()
    stopped = es.stopped_epoch + 1 if model.stop_training else None
    print("EarlyStopping", options, values, "waits", waits, "stopped", stopped,
          "best", es.best, "best_epoch", es.best_epoch + 1, "restored", model.restored)


def plateau(lr, values, **options):
    cb, model = ReduceLROnPlateau(**options), Model(lr)
    cb.set_model(model)
    cb.on_train_begin()
    rates, waits = [], []
    for epoch, value in enumerate(values):
        cb.on_epoch_end(epoch, {"val_loss": value})
        rates.append(model.optimizer.learning_rate)
        waits.append(cb.wait)
    print("ReduceLROnPlateau", options, values, "rates", rates, "waits", waits)


early_stopping([1.0, 0.95, 0.85, 0.80, 0.79, 0.78], patience=2, min_delta=0.1,
               restore_best_weights=True)
early_stopping([1.0, 0.95, 0.85, 0.80, 0.79], patience=2, min_delta=-0.1)
early_stopping([1.0, 1.2, 0.5])
early_stopping([1.0], baseline=0.5)
early_stopping([1.0, 0.9, 0.95, 0.1], patience=2, baseline=0.5)
early_stopping([0.4, 0.45, 0.3], patience=1, baseline=0.5)
early_stopping([0.5, 0.6, 0.6, 0.7], monitor="val_accuracy", patience=1, mode="max")
early_stopping([0.5, 0.6, 0.4], monitor="val_accuracy", patience=1, mode="min")
early_stopping([0.1, 0.1, 1.0, 1.0], start_from_epoch=2, restore_best_weights=True)
early_stopping([1.0, 0.5, 0.7], patience=5, restore_best_weights=True)
plateau(1.0, [1, 1, 1, 1, 1, 1, 1, 0.5, 0.5, 0.5], factor=0.5, patience=2, cooldown=1,
        min_lr=0.2, min_delta=0)
plateau(0.7, [1, 1, 1], factor=0.5, patience=1, min_lr=0.7)
plateau(0.1, [1, 0.99995, 0.5], patience=1)

# CSVLogger: the one-weight model's three epochs, and no validation
path = os.path.join(tempfile.mkdtemp(), "log.csv")
for logs_list, options in [
    ([{"learning_rate": 0.25, "loss": 1.0, "val_loss": 0.0},
      {"learning_rate": 0.25, "loss": 0.25, "val_loss": 0.0625},
      {"learning_rate": 0.25, "loss": 0.0625, "val_loss": 0.140625}], {}),
    ([{"learning_rate": 0.25, "loss": 1.0}], {"separator": ";"}),
    ([{"learning_rate": 0.5, "loss": 1.0}], {"separator": ";", "append": True}),
]:
    logger = CSVLogger(path, **options)
    logger.on_train_begin()
    for epoch, logs in enumerate(logs_list):
        logger.on_epoch_end(epoch, logs)
    logger.on_train_end()
    with open(path, "rb") as f:
        print("CSVLogger", options, f.read())
