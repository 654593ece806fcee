// Adversarial examples and adversarial training on Fashion-MNIST: a standard MLP and an
// adversarially trained MLP (784-256-256-10, ReLU), compared clean and under FGSM and PGD.
//
//   build/examples/fashion_adversarial --seed 0 --output out/adv
//
// The inputs are raw pixels in [0, 1] (not standardised), so eps is in pixel units and the
// attacks clip to [0, 1]. Clean accuracy is measured on the whole test set and on the
// evaluation subset (--eval-samples, the first 2000 test images by default); the FGSM and PGD
// figures on that subset, since a 20-step PGD over all 10000 images for two models and two
// eps would cost more than the training. Writes metrics CSVs and a PNG grid of clean and
// adversarial images with both models' predictions into --output, and ends with one JSON
// line of the figures on stdout.
#include <chrono>
#include <common/common.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using namespace wengert;
namespace adv = wengert::adversarial;

namespace {

std::shared_ptr<Sequential> make_mlp(Generator* generator) {
    auto model = std::make_shared<Sequential>();
    model->push_back(std::make_shared<Linear>(784, 256, true, generator));
    model->push_back(std::make_shared<ReLU>());
    model->push_back(std::make_shared<Linear>(256, 256, true, generator));
    model->push_back(std::make_shared<ReLU>());
    model->push_back(std::make_shared<Linear>(256, 10, true, generator));
    return model;
}

Tensor classification_loss(const Tensor& logits, const Tensor& labels) {
    return cross_entropy(logits, labels);
}

adv::ModelRef model_ref(Module& model) {
    return {[&model](const Tensor& x) { return model(x); },
            [&model] { return model.is_training(); }, [&model](bool on) { model.train(on); }};
}

adv::Defence parse_defence(const std::string& name) {
    if (name == "pgd") {
        return adv::Defence::pgd;
    }
    if (name == "fast_fgsm") {
        return adv::Defence::fast_fgsm;
    }
    if (name == "trades") {
        return adv::Defence::trades;
    }
    if (name == "none") {
        return adv::Defence::none;
    }
    throw std::invalid_argument(fmt::format(
        "--defence: unknown defence '{}'; expected pgd, fast_fgsm, trades or none", name));
}

std::vector<std::int64_t> predictions(Module& model, const Tensor& inputs) {
    NoGradGuard no_grad;
    const bool was_training = model.is_training();
    model.eval();
    const Tensor predicted = argmax(model(inputs), 1);
    model.train(was_training);
    const std::int64_t* p = predicted.data_ptr<std::int64_t>();
    return {p, p + predicted.numel()};
}

/// One row of images in the grid: `images` (n, 784) float32 in [0, 1], a title per image.
struct GridRow {
    Tensor images;
    std::vector<std::string> titles;
};

/// Renders `rows` as a grid of 28 x 28 grey images with gnuplot (`plot ... with image` in a
/// multiplot) into `png_path`; returns false when gnuplot is missing.
bool save_image_grid(const std::string& png_path, const std::vector<GridRow>& rows,
                     const std::string& title) {
    if (!train::gnuplot_available()) {
        return false;
    }
    const std::size_t columns = rows.front().images.shape()[0];
    const std::string data_path = png_path + ".dat";
    const std::string script_path = png_path + ".gp";
    {
        std::unique_ptr<std::FILE, int (*)(std::FILE*)> data(std::fopen(data_path.c_str(), "w"),
                                                             &std::fclose);
        if (!data) {
            throw std::runtime_error(fmt::format("save_image_grid: cannot write '{}'", data_path));
        }
        // One block per image ("index k", row-major over the grid): x y value, image rows
        // flipped so that the picture is upright with gnuplot's y axis pointing up.
        for (const GridRow& row : rows) {
            const float* pixels = row.images.data_ptr<float>();
            for (std::size_t image = 0; image < columns; ++image) {
                for (std::size_t y = 0; y < 28; ++y) {
                    for (std::size_t x = 0; x < 28; ++x) {
                        fmt::print(data.get(), "{} {} {:.4f}\n", x, 27 - y,
                                   pixels[image * 784 + y * 28 + x]);
                    }
                }
                fmt::print(data.get(), "\n\n");
            }
        }
    }
    {
        std::unique_ptr<std::FILE, int (*)(std::FILE*)> script(std::fopen(script_path.c_str(), "w"),
                                                               &std::fclose);
        if (!script) {
            throw std::runtime_error(
                fmt::format("save_image_grid: cannot write '{}'", script_path));
        }
        fmt::print(script.get(), "set terminal pngcairo size {},{} noenhanced font ',8'\n",
                   180 * columns, 170 * rows.size() + 40);
        fmt::print(script.get(), "set output '{}'\n", png_path);
        fmt::print(script.get(), "set multiplot layout {},{} title '{}'\n", rows.size(), columns,
                   title);
        fmt::print(script.get(), "unset xtics\nunset ytics\nunset colorbox\nunset key\n");
        fmt::print(script.get(), "set palette grey\nset cbrange [0:1]\nset size ratio -1\n");
        fmt::print(script.get(), "set xrange [-0.5:27.5]\nset yrange [-0.5:27.5]\n");
        std::size_t block = 0;
        for (const GridRow& row : rows) {
            for (std::size_t image = 0; image < columns; ++image, ++block) {
                fmt::print(script.get(), "set title '{}'\n", row.titles[image]);
                fmt::print(script.get(), "plot '{}' index {} using 1:2:3 with image\n", data_path,
                           block);
            }
        }
        fmt::print(script.get(), "unset multiplot\n");
    }
    const std::string command = fmt::format("gnuplot '{}' 1>&2", script_path);
    if (std::system(command.c_str()) != 0) {
        throw std::runtime_error(
            fmt::format("save_image_grid: gnuplot failed on '{}'", script_path));
    }
    return true;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
    return examples::run_main([&] {
        CLI::App app("Standard and adversarial training of an MLP on Fashion-MNIST");
        examples::Flags flags;
        flags.epochs = 5;
        flags.batch_size = 128;
        flags.lr = 1e-3;
        flags.optimizer = "adam";
        flags.scheduler = "cosine";
        double eps = 0.1;
        int attack_steps = 7;
        std::string defence_name = "pgd";
        double clean_weight = 0.0;
        std::size_t eval_samples = 2000;
        std::size_t warmup_epochs = 0;
        examples::add_common_flags(app, flags);
        app.add_option("--eps", eps, "Linf radius of the training attack, in pixel units")
            ->capture_default_str();
        app.add_option("--attack-steps", attack_steps, "PGD steps of the training attack")
            ->capture_default_str();
        app.add_option("--defence", defence_name, "pgd, fast_fgsm, trades or none")
            ->capture_default_str();
        app.add_option("--clean-weight", clean_weight,
                       "weight of the clean loss in the adversarial training loss")
            ->capture_default_str();
        app.add_option("--eval-samples", eval_samples,
                       "first test images on which FGSM and PGD accuracy is measured")
            ->capture_default_str();
        app.add_option("--eps-warmup", warmup_epochs,
                       "epochs over which the training eps grows linearly to --eps")
            ->capture_default_str();
        CLI11_PARSE(app, argc, argv);
        examples::apply(flags);
        const adv::Defence defence = parse_defence(defence_name);
        const auto run_start = std::chrono::steady_clock::now();
        if (!flags.output.empty()) {
            std::filesystem::create_directories(flags.output);
        }

        // Raw pixels in [0, 1], flattened for the MLP.
        FashionMnist train_split = load_fashion_mnist(flags.data_dir, Split::train);
        FashionMnist test_split = load_fashion_mnist(flags.data_dir, Split::test);
        const Tensor train_images = reshape(train_split.images, {-1, 784});
        const Tensor test_images = reshape(test_split.images, {-1, 784});
        const TensorDataset train_set(train_images, train_split.labels);
        const TensorDataset test_set(test_images, test_split.labels);
        eval_samples = std::min<std::size_t>(eval_samples, test_images.shape()[0]);
        const auto eval_count = static_cast<std::int64_t>(eval_samples);
        const Tensor eval_images = narrow(test_images, 0, 0, eval_count);
        const Tensor eval_labels = narrow(test_split.labels, 0, 0, eval_count);

        // Trains one model: the standard one with the clean loss, the robust one with
        // adversarial_batch plugged into fit's batch_loss hook.
        struct Trained {
            std::shared_ptr<Sequential> model;
            train::History history;
        };
        const auto train_model = [&](bool adversarial, const std::string& name) {
            Generator generator(flags.seed);
            Generator attack_generator(flags.seed + 1);
            DataLoader train_loader(
                train_set, {.batch_size = flags.batch_size, .shuffle = true, .seed = flags.seed});
            DataLoader test_loader(test_set, {.batch_size = 1000});
            auto model = make_mlp(&generator);
            auto optimizer =
                examples::make_optimizer(flags.optimizer, model->parameters(), flags.lr);

            train::FitOptions options;
            options.epochs = flags.epochs;
            options.loss = classification_loss;
            options.output_dir = flags.output;
            options.run_name = name + "_";
            options.progress = !flags.quiet;
            options.log_epochs = !flags.quiet;
            adv::AdversarialTrainingOptions training;
            training.defence = defence;
            training.clean_weight = clean_weight;
            training.attack.eps = eps;
            training.attack.steps = attack_steps;
            training.attack.random_start = true;
            training.attack.generator = &attack_generator;
            std::size_t epoch = 0;
            std::size_t batch = 0;
            const std::size_t batches = train_loader.size();
            if (adversarial) {
                options.batch_loss = [&](Module& m, const Batch& b) {
                    // Linear eps warm-up by batch over the first warmup_epochs epochs.
                    adv::AdversarialTrainingOptions current = training;
                    if (epoch < warmup_epochs) {
                        const double done = static_cast<double>(epoch * batches + batch + 1) /
                                            static_cast<double>(warmup_epochs * batches);
                        current.attack.eps = eps * done;
                    }
                    ++batch;
                    // The logits on the adversarial batch: fit's train accuracy is the
                    // accuracy under the training attack.
                    return adv::adversarial_batch(model_ref(m), classification_loss, b.inputs,
                                                  b.targets, current);
                };
            }
            examples::Schedule schedule = examples::make_schedule(
                flags.scheduler, *optimizer, flags.epochs, train_loader.size());
            schedule.attach(options);
            const auto previous_after_epoch = options.after_epoch;
            options.after_epoch = [&](const train::EpochRecord& record) {
                ++epoch;
                batch = 0;
                if (previous_after_epoch) {
                    previous_after_epoch(record);
                }
            };
            fmt::print(stderr, "training the {} model\n", name);
            train::History history =
                train::fit(*model, *optimizer, train_loader, &test_loader, options);
            return Trained{model, std::move(history)};
        };
        const Trained standard = train_model(false, "standard");
        const Trained robust = train_model(true, "robust");

        // Clean, FGSM and PGD accuracy of both models.
        examples::Json metrics;
        metrics["example"] = "fashion_adversarial";
        const std::vector<double> eps_values{0.05, 0.1};
        adv::PgdOptions evaluation;
        evaluation.steps = 20;
        evaluation.step_size = 0.0;  // 2.5 * eps / steps for each eps
        evaluation.random_start = true;
        Generator evaluation_generator(flags.seed + 2);
        evaluation.generator = &evaluation_generator;
        const auto evaluation_start = std::chrono::steady_clock::now();
        for (const auto& [name, trained] :
             {std::pair{"standard", &standard}, std::pair{"robust", &robust}}) {
            const adv::ModelRef ref = model_ref(*trained->model);
            metrics[fmt::format("clean_accuracy_{}", name)] =
                trained->history.epochs.back().test_accuracy;
            const double clean_subset =
                adv::robust_accuracy(ref, classification_loss, eval_images, eval_labels, {},
                                     adv::Attack::none, evaluation, 500)
                    .front()
                    .accuracy;
            metrics[fmt::format("clean_accuracy_subset_{}", name)] = clean_subset;
            const auto fgsm =
                adv::robust_accuracy(ref, classification_loss, eval_images, eval_labels, eps_values,
                                     adv::Attack::fgsm, evaluation, 500);
            const auto pgd =
                adv::robust_accuracy(ref, classification_loss, eval_images, eval_labels, eps_values,
                                     adv::Attack::pgd, evaluation, 500);
            metrics[fmt::format("fgsm_accuracy_{}", name)] = fgsm[1].accuracy;
            metrics[fmt::format("pgd_accuracy_{}", name)] = pgd[1].accuracy;
            metrics[fmt::format("fgsm_accuracy_eps005_{}", name)] = fgsm[0].accuracy;
            metrics[fmt::format("pgd_accuracy_eps005_{}", name)] = pgd[0].accuracy;
            fmt::print(stderr,
                       "{:>8} model: clean {:.4f} (subset {:.4f}); FGSM eps 0.05 {:.4f}, "
                       "0.1 {:.4f}; PGD-20 eps 0.05 {:.4f}, 0.1 {:.4f}\n",
                       name, trained->history.epochs.back().test_accuracy, clean_subset,
                       fgsm[0].accuracy, fgsm[1].accuracy, pgd[0].accuracy, pgd[1].accuracy);
        }
        const double evaluation_seconds = seconds_since(evaluation_start);

        // The grid: 8 test images, their PGD(0.1) adversaries against each model, and the
        // predictions of the attacked model.
        std::string grid_path;
        if (!flags.output.empty()) {
            const Tensor images = narrow(test_images, 0, 0, 8);
            const Tensor labels = narrow(test_split.labels, 0, 0, 8);
            const std::int64_t* truth = labels.data_ptr<std::int64_t>();
            adv::PgdOptions attack = evaluation;
            attack.eps = 0.1;
            std::vector<GridRow> rows;
            const auto titled = [&](const Tensor& x, Module& model, const std::string& what) {
                const std::vector<std::int64_t> predicted = predictions(model, x);
                GridRow row{x, {}};
                for (std::size_t i = 0; i < predicted.size(); ++i) {
                    row.titles.push_back(fmt::format("{}: {}{}", what,
                                                     kFashionMnistClasses[predicted[i]],
                                                     predicted[i] == truth[i] ? "" : " (wrong)"));
                }
                return row;
            };
            rows.push_back(titled(images, *standard.model, "clean, std"));
            rows.push_back(titled(
                adv::pgd(model_ref(*standard.model), classification_loss, images, labels, attack),
                *standard.model, "PGD, std"));
            rows.push_back(titled(images, *robust.model, "clean, robust"));
            rows.push_back(titled(
                adv::pgd(model_ref(*robust.model), classification_loss, images, labels, attack),
                *robust.model, "PGD, robust"));
            grid_path = flags.output + "/adversarial_grid.png";
            if (!save_image_grid(grid_path, rows,
                                 "Fashion-MNIST: clean and PGD-20 (eps 0.1) images, predicted "
                                 "class of the standard and the adversarially trained MLP")) {
                fmt::print(stderr, "gnuplot is not installed: no image grid\n");
                grid_path.clear();
            } else {
                fmt::print(stderr, "image grid in {}\n", grid_path);
            }
        }

        metrics["eval_samples"] = eval_samples;
        metrics["eps_train"] = eps;
        metrics["attack_steps_train"] = attack_steps;
        metrics["defence"] = defence_name;
        metrics["clean_weight"] = clean_weight;
        metrics["eps_warmup_epochs"] = warmup_epochs;
        metrics["pgd_eval_steps"] = 20;
        metrics["inputs"] = "raw pixels in [0, 1], not standardised";
        metrics["epochs"] = flags.epochs;
        metrics["seconds_standard"] = standard.history.seconds;
        metrics["seconds_robust"] = robust.history.seconds;
        metrics["seconds_evaluation"] = evaluation_seconds;
        metrics["seconds"] = seconds_since(run_start);
        metrics["optimizer"] = flags.optimizer;
        metrics["batch_size"] = flags.batch_size;
        metrics["lr"] = flags.lr;
        metrics["seed"] = flags.seed;
        metrics["grid"] = grid_path;
        examples::print_json(metrics);
        return 0;
    });
}
