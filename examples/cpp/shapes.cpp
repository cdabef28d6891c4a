#include "shapes.hpp"

#include <sstream>
#include <stdexcept>

namespace {
struct Circle : Shape {
    double r;
    explicit Circle(double r) : r(r) {}
    double area() const override { return 3.14159265358979 * r * r; }
    std::string name() const override { return "circle"; }
};
struct Rect : Shape {
    double w, h;
    Rect(double w, double h) : w(w), h(h) {}
    double area() const override { return w * h; }
    std::string name() const override { return "rect"; }
};
}  // namespace

std::unique_ptr<Shape> make_shape(const std::string& spec) {
    std::istringstream in(spec);
    std::string kind;
    in >> kind;
    double a = 0, b = 0;
    if (kind == "circle" && in >> a) return std::make_unique<Circle>(a);
    if (kind == "rect" && in >> a >> b) return std::make_unique<Rect>(a, b);
    throw std::invalid_argument("bad shape: " + spec);
}
