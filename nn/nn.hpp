#pragma once
// Modules and layers (issue 6).

#include "../autograd/tensor.hpp"
#include "layers.hpp"
#include "module.hpp"
//
#include "init.hpp"
