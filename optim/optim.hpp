#pragma once
// Optimizers, learning-rate schedulers, batch-size schedules, clipping (issue 5).

#include "../autograd/tensor.hpp"
#include "adadelta.hpp"
#include "adagrad.hpp"
#include "adam.hpp"
#include "adamax.hpp"
#include "lamb.hpp"
#include "lion.hpp"
#include "nadam.hpp"
#include "optimizer.hpp"
#include "radam.hpp"
#include "rmsprop.hpp"
#include "sgd.hpp"
