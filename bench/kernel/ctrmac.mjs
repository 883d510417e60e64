// Benchmark cases for the ctrmac family; see README.md for the shape.
export const cases = [];
