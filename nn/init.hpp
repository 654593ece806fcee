#pragma once
// Parameter initialisers (issue 3).

#include "../autograd/tensor.hpp"
