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
