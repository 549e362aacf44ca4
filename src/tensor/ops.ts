/** All differentiable tensor ops, in one namespace (Tensor's methods forward to these). */
export { add, sub, mul, div, neg, exp, log, tanh, sigmoid, relu, sqrt, abs, pow, clamp, maximum, minimum, where, maskedFill } from './elementwise.ts';
export { sum, mean, max, softmax, logSoftmax } from './reduce.ts';
export { reshape, unsqueeze, squeeze, clone, permute, transpose, slice, concat, stack, indexSelect, gather } from './shape.ts';
export { matmul } from './linalg.ts';
export { dropout } from './dropout.ts';
