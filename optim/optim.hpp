#pragma once
// Optimizers, learning-rate schedulers, batch-size schedules, clipping (issue 5).

#include "../autograd/tensor.hpp"
#include "adam.hpp"
#include "optimizer.hpp"
#include "sgd.hpp"
