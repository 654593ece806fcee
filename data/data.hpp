#pragma once
// Datasets and data loading (issue 6): IDX and CSV readers, Fashion-MNIST, TensorDataset,
// DataLoader and normalisation. Sits over the tensor alone (STYLE.md 5a).

#include "../autograd/tensor.hpp"
#include "csv.hpp"
#include "dataset.hpp"
#include "error.hpp"
#include "fashion_mnist.hpp"
#include "idx.hpp"
