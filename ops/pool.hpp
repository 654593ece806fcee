#pragma once
// Declarations of this op family arrive with the op library (issue 3).

#include "../autograd/tensor.hpp"
