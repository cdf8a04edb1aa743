// Grad mode: whether operations record the graph. no_grad / enable_grad / set_grad_enabled.

let enabled = true;

/** Whether ops currently record autograd history (`torch.is_grad_enabled()`). */
export function is_grad_enabled(): boolean {
  return enabled;
}

/** A scope that restores the previous grad mode when disposed (`using _ = torch.no_grad()`). */
export interface GradModeScope extends Disposable {
  /** Restores the grad mode that was active before this scope. */
  restore(): void;
}

function scope(mode: boolean): GradModeScope {
  const previous = enabled;
  enabled = mode;
  const restore = () => {
    enabled = previous;
  };
  return { restore, [Symbol.dispose]: restore };
}

function withMode<T>(mode: boolean, fn: () => T): T {
  const s = scope(mode);
  try {
    return fn();
  } finally {
    s.restore();
  }
}

/**
 * `torch.no_grad(fn)` runs fn without recording; `using _ = torch.no_grad()` turns recording off
 * until the end of the block.
 * @example const y = torch.no_grad(() => x.mul(2)); // y.requires_grad === false
 */
export function no_grad(): GradModeScope;
/** `torch.no_grad(fn)`: runs fn with recording off and returns its result. */
export function no_grad<T>(fn: () => T): T;
export function no_grad<T>(fn?: () => T): T | GradModeScope {
  return fn ? withMode(false, fn) : scope(false);
}

/** `torch.enable_grad(fn)` or `using _ = torch.enable_grad()`: recording on inside no_grad. */
export function enable_grad(): GradModeScope;
/** `torch.enable_grad(fn)`: runs fn with recording on and returns its result. */
export function enable_grad<T>(fn: () => T): T;
export function enable_grad<T>(fn?: () => T): T | GradModeScope {
  return fn ? withMode(true, fn) : scope(true);
}

/**
 * `torch.set_grad_enabled(mode)`: sets the mode now (and returns a scope that restores the old one),
 * or with a function, runs it in that mode.
 */
export function set_grad_enabled(mode: boolean): GradModeScope;
/** `torch.set_grad_enabled(mode, fn)`: runs fn in that mode and returns its result. */
export function set_grad_enabled<T>(mode: boolean, fn: () => T): T;
export function set_grad_enabled<T>(
  mode: boolean,
  fn?: () => T,
): T | GradModeScope {
  return fn ? withMode(mode, fn) : scope(mode);
}

/**
 * `torch.inference_mode(fn)` / `using _ = torch.inference_mode()`: recording off, as no_grad
 * (flambeau does not mark inference tensors; they behave as tensors made under no_grad).
 * `inference_mode(false)` leaves recording as it is.
 */
export function inference_mode(mode?: boolean): GradModeScope;
/** `torch.inference_mode(fn)`: runs fn with recording off. */
export function inference_mode<T>(fn: () => T): T;
export function inference_mode<T>(
  arg?: boolean | (() => T),
): T | GradModeScope {
  if (typeof arg === "function") return withMode(false, arg);
  return scope(arg === false ? enabled : false);
}

let anomaly = false;

/** Whether anomaly detection is on (`torch.is_anomaly_enabled()`). */
export function is_anomaly_enabled(): boolean {
  return anomaly;
}

/**
 * `torch.autograd.set_detect_anomaly(mode)`: with it on, a backward function that returns NaN is
 * PyTorch's RuntimeError naming the node, instead of a NaN gradient. Returns a scope that
 * restores the old mode.
 */
export function set_detect_anomaly(mode: boolean): GradModeScope {
  const previous = anomaly;
  anomaly = mode;
  const restore = () => {
    anomaly = previous;
  };
  return { restore, [Symbol.dispose]: restore };
}
