#pragma once
// Losses and regularizers: differentiable nodes built from ops/, with PyTorch 1.13's
// definitions, argument names and reductions (none, mean, sum).
#include "reduction.hpp"
//
#include "classification.hpp"
#include "contrastive.hpp"
#include "embedding.hpp"
#include "regression.hpp"
#include "regularizers.hpp"
