#pragma once
// Losses and regularizers (issue 4).

#include "../autograd/tensor.hpp"
