#include "dataset.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstring>

#include "../autograd/tensor_impl.hpp"

namespace wengert {

namespace {

// Copies rows `indices` of `source` (shape (N, ...)) into a new (indices.size(), ...) tensor.
Tensor gather_rows(const Tensor& source, std::span<const std::size_t> indices) {
    return detail::visit_any(source, [&](const auto& array) {
        using T = typename std::decay_t<decltype(array)>::value_type;
        Shape shape(array.shape().begin(), array.shape().end());
        const std::size_t rows = shape[0];
        const std::size_t row_size = rows == 0 ? 0 : array.size() / rows;
        shape[0] = indices.size();
        detail::Array<T> out(shape);
        const T* in = array.data();
        T* dst = out.data();

        // Runs of consecutive indices (an unshuffled loader) go in one memcpy each.
        std::size_t i = 0;
        while (i < indices.size()) {
            std::size_t run = 1;
            while (i + run < indices.size() && indices[i + run] == indices[i] + run) {
                ++run;
            }
            detail::require<std::out_of_range>(indices[i] + run <= rows,
                                               "TensorDataset::get_batch: index {} is out of "
                                               "range for {} samples",
                                               indices[i] + run - 1, rows);
            std::memcpy(dst + i * row_size, in + indices[i] * row_size, run * row_size * sizeof(T));
            i += run;
        }
        return detail::make_tensor(std::move(out));
    });
}

}  // namespace

TensorDataset::TensorDataset(Tensor inputs, Tensor targets)
    : inputs_(std::move(inputs)), targets_(std::move(targets)), size_(0) {
    detail::require_defined("TensorDataset", inputs_, "inputs");
    detail::require_defined("TensorDataset", targets_, "targets");
    detail::require<ShapeError>(
        inputs_.dim() >= 1 && targets_.dim() >= 1 && inputs_.size(0) == targets_.size(0),
        "TensorDataset: inputs and targets need the same first axis "
        "(one row per sample); inputs are {}, targets are {}",
        shape_string(inputs_.shape()), shape_string(targets_.shape()));
    size_ = inputs_.size(0);
}

Batch TensorDataset::get_batch(std::span<const std::size_t> indices) const {
    return {gather_rows(inputs_, indices), gather_rows(targets_, indices)};
}

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)),
      options_(options),
      pending_batch_size_(options.batch_size),
      batch_size_(options.batch_size) {
    detail::require(dataset_ != nullptr, "DataLoader: the dataset is null");
    detail::require(options.batch_size > 0, "DataLoader: batch_size must be positive; got 0");
}

DataLoader::DataLoader(const TensorDataset& dataset, DataLoaderOptions options)
    : DataLoader(std::make_shared<TensorDataset>(dataset), options) {}

std::size_t DataLoader::batches_for(std::size_t batch_size) const {
    const std::size_t n = dataset_->size();
    return options_.drop_last ? n / batch_size : (n + batch_size - 1) / batch_size;
}

std::size_t DataLoader::batch_size() const {
    return in_epoch_ ? batch_size_ : pending_batch_size_;
}

std::size_t DataLoader::size() const {
    return batches_for(batch_size());
}

void DataLoader::set_batch_size(std::size_t batch_size) {
    detail::require(batch_size > 0,
                    "DataLoader::set_batch_size: batch_size must be positive; "
                    "got 0");
    pending_batch_size_ = batch_size;
}

DataLoader::Iterator DataLoader::begin() {
    batch_size_ = pending_batch_size_;
    const std::size_t n = dataset_->size();
    order_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        order_[i] = i;
    }
    if (options_.shuffle) {
        // Fisher-Yates from a generator seeded by (seed, epoch) alone.
        Generator generator(options_.seed ^ (0x9e3779b97f4a7c15ULL * (epoch_ + 1)));
        for (std::size_t i = n; i > 1; --i) {
            std::swap(order_[i - 1], order_[generator.below(i)]);
        }
    }
    ++epoch_;
    in_epoch_ = batches_for(batch_size_) > 0;
    return Iterator(this, 0);
}

DataLoader::Iterator DataLoader::end() {
    Iterator it;
    it.batch_index_ = batches_for(batch_size_);
    return it;
}

DataLoader::Iterator::Iterator(DataLoader* loader, std::size_t batch_index)
    : loader_(loader), batch_index_(batch_index) {
    load();
}

void DataLoader::Iterator::load() {
    const std::size_t count = loader_->batches_for(loader_->batch_size_);
    if (batch_index_ >= count) {
        loader_->in_epoch_ = false;
        batch_ = {};
        return;
    }
    const std::size_t start = batch_index_ * loader_->batch_size_;
    const std::size_t stop = std::min(start + loader_->batch_size_, loader_->order_.size());
    batch_ = loader_->dataset_->get_batch(
        std::span<const std::size_t>(loader_->order_.data() + start, stop - start));
    if (loader_->transform_) {
        loader_->transform_(batch_);
    }
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
    ++batch_index_;
    load();
    return *this;
}

MeanStd mean_std(const Tensor& values) {
    detail::require_defined("mean_std", values, "values");
    detail::require(values.numel() > 0, "mean_std: the tensor is empty; shape {}",
                    shape_string(values.shape()));
    return detail::visit_any(values, [](const auto& array) {
        // Two passes in double: exact enough for 47 million pixels.
        const std::size_t n = array.size();
        double total = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            total += static_cast<double>(array.data()[i]);
        }
        const double mean = total / static_cast<double>(n);
        double squares = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            const double d = static_cast<double>(array.data()[i]) - mean;
            squares += d * d;
        }
        return MeanStd{mean, std::sqrt(squares / static_cast<double>(n))};
    });
}

Tensor normalize(const Tensor& values, double mean, double std) {
    detail::require_defined("normalize", values, "values");
    Tensor out = values.detach().clone();
    normalize_(out, mean, std);
    return out;
}

void normalize_(const Tensor& values, double mean, double std) {
    detail::require_defined("normalize_", values, "values");
    detail::require(std > 0.0 && std::isfinite(std),
                    "normalize: std must be positive and finite; got {}", std);
    detail::visit("normalize", values, [&](auto& array) {
        using T = typename std::decay_t<decltype(array)>::value_type;
        const T m = static_cast<T>(mean);
        const T inv = static_cast<T>(1.0 / std);
        T* p = array.data();
        for (std::size_t i = 0; i < array.size(); ++i) {
            p[i] = (p[i] - m) * inv;
        }
    });
}

}  // namespace wengert
