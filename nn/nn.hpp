#pragma once
// Modules and layers (issue 6).

#include "../autograd/tensor.hpp"
//
#include "init.hpp"
