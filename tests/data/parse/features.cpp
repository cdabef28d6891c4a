// C++ IR features csmith never generates, for the parser's oracle test (tests/test_graph_oracle.py). C++20.
#include <coroutine>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

struct Shape {
    virtual ~Shape() = default;
    virtual double area() const = 0;
};
struct Square : Shape {
    double s;
    explicit Square(double s) : s(s) {}
    double area() const override { return s * s; }
};

double total(const std::vector<std::shared_ptr<Shape>> &shapes) {
    double t = 0;
    for (const auto &s : shapes) t += s->area();
    return t;
}

int parse(const std::string &text) {
    try {
        if (text.empty()) throw std::invalid_argument("empty");
        return std::stoi(text);
    } catch (const std::invalid_argument &) {
        return -1;
    } catch (...) {
        return -2;
    }
}

int run(int n) {
    std::vector<std::shared_ptr<Shape>> shapes;
    for (int i = 0; i < n; i++) shapes.push_back(std::make_shared<Square>(i));
    auto lambda = [&](int k) { return shapes.size() * k; };
    return static_cast<int>(total(shapes) + lambda(2)) + parse(std::to_string(n));
}

struct task {
    struct promise_type {
        task get_return_object() { return {}; }
        std::suspend_never initial_suspend() { return {}; }
        std::suspend_never final_suspend() noexcept { return {}; }
        void return_void() {}
        void unhandled_exception() {}
    };
};

task coroutine(int *p) {
    co_await std::suspend_always{};
    *p = 1;
}
