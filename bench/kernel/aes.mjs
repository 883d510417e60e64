// Benchmark cases for the aes family; see README.md for the shape.
export const cases = [];
