// Error classes named after the Python exceptions PyTorch raises, so messages read the same.

/** PyTorch's `RuntimeError`: shape mismatches, bad casts, unsupported operations. */
export class RuntimeError extends Error {
  /** `"RuntimeError"`, as Python names the exception. */
  override name = "RuntimeError";
}

/** PyTorch's `IndexError`: a dimension or index out of range. */
export class IndexError extends Error {
  /** `"IndexError"`, as Python names the exception. */
  override name = "IndexError";
}

/** PyTorch's `ValueError`: an argument with a bad value. */
export class ValueError extends Error {
  /** `"ValueError"`, as Python names the exception. */
  override name = "ValueError";
}

/** Python's `AssertionError`, which PyTorch raises where CUDA is missing. */
export class AssertionError extends Error {
  /** `"AssertionError"`, as Python names the exception. */
  override name = "AssertionError";
}

/**
 * `torch.linalg.LinAlgError`: a decomposition or inverse that failed on its input (a singular or
 * not positive-definite matrix). A RuntimeError, as in PyTorch.
 */
export class LinAlgError extends RuntimeError {
  /** `"LinAlgError"`, PyTorch's name for it (`torch.linalg.LinAlgError`). */
  override name = "LinAlgError";
}
