#pragma once
// Optimizers, learning-rate schedulers, batch-size schedules, clipping (issue 5).

#include "../autograd/tensor.hpp"
