#pragma once
// Datasets and data loading (issue 6).

#include "../autograd/tensor.hpp"
