// The rest of the `torch.*` surface behind its Python signatures (src/signature.ts): dtype defaults,
// printing, seeding, grad mode, autograd, serialisation and the device switches. Each keeps its
// own TypeScript type (several are generic or overloaded); the binding is the same as every op's.

import { bindMethods, signedAs, signedClassAs } from "./signature.ts";
import { Tensor } from "./tensor.ts";
import * as dt from "./dtype.ts";
import * as printing from "./print/mod.ts";
import * as rng from "./random/generator.ts";
import * as gradMode from "./autograd/grad_mode.ts";
import * as ag from "./autograd/functions.ts";
import { gradcheck as gradcheckImpl } from "./autograd/gradcheck.ts";
import { slice as sliceImpl } from "./ops/views.ts";
import * as numpy from "../interop/numpy.ts";
import { getNumThreads, setNumThreads } from "./backend/registry.ts";
import * as checkpoint from "../interop/checkpoint.ts";
import * as npy from "../interop/npy.ts";
import { device as deviceImpl } from "./device.ts";
import * as dtypeInfo from "./dtype_info.ts";
import {
  Function as AutogradFunction,
  FunctionCtx,
} from "./autograd/function.ts";
import * as functional from "./autograd_functional.ts";

const T = "torch";
// Seeds are `int|float` here: the generator itself refuses a fractional or out-of-range seed with
// its own error.

/** `torch.get_default_dtype()`. */
export const get_default_dtype: typeof dt.get_default_dtype = signedAs(
  `${T}.get_default_dtype`,
  "()",
  dt.get_default_dtype,
);
/** `torch.set_default_dtype(d)`: float32 or float64, as in PyTorch. */
export const set_default_dtype: typeof dt.set_default_dtype = signedAs(
  `${T}.set_default_dtype`,
  "(d: dtype)",
  dt.set_default_dtype,
);
/** `torch.promote_types(type1, type2)`: the dtype both promote to. */
export const promote_types: (
  type1: dt.DType | string,
  type2: dt.DType | string,
) => dt.DType = signedAs(
  `${T}.promote_types`,
  "(type1: dtype, type2: dtype)",
  (type1: dt.DType | string, type2: dt.DType | string): dt.DType =>
    dt.promote_types(dt.toDType(type1), dt.toDType(type2)),
);
/** `torch.result_type(tensor1, tensor2)`: the dtype an arithmetic op on them returns. */
export const result_type: (
  tensor1: Tensor | number | boolean,
  tensor2: Tensor | number | boolean,
) => dt.DType = signedAs(
  `${T}.result_type`,
  {
    sig: "(tensor1: Tensor|Number, tensor2: Tensor|Number)",
    emit: "positional",
  },
  (
    a: Tensor | number | boolean,
    b: Tensor | number | boolean,
  ): dt.DType => {
    const op = (v: Tensor | number | boolean) =>
      v instanceof Tensor ? { dtype: v.dtype, dim: v.dim() } : v;
    return dt.result_type(op(a), op(b));
  },
);
/** `torch.is_tensor(obj)`. */
export const is_tensor: (obj: unknown) => obj is Tensor = signedAs(
  `${T}.is_tensor`,
  "(obj: any)",
  (x: unknown): x is Tensor => x instanceof Tensor,
);
/** `torch.numel(input)`. */
export const numel: (input: Tensor) => number = signedAs(
  `${T}.numel`,
  "(input: Tensor)",
  (x: Tensor): number => x.numel(),
);
/** `torch.slice(start, stop, step)`: Python's `slice` for `x.index(...)` (flambeau's spelling). */
export const slice: typeof sliceImpl = signedAs(
  `${T}.slice`,
  {
    sig: "(start: int? = None, stop: int? = None, step: int = 1)",
    emit: "positional",
  },
  sliceImpl,
);

/** `torch.set_printoptions(precision, threshold, edgeitems, linewidth, profile, sci_mode)` (and `style`). */
export const set_printoptions: typeof printing.set_printoptions = signedAs(
  `${T}.set_printoptions`,
  "(precision: int? = None, threshold: float? = None, edgeitems: int? = None, linewidth: int? = None, profile: str? = None, sci_mode: bool? = None, *, style: str? = None)",
  printing.set_printoptions,
);
/** `torch.get_printoptions()`. */
export const get_printoptions: typeof printing.get_printoptions = signedAs(
  `${T}.get_printoptions`,
  "()",
  printing.get_printoptions,
);

/** `torch.Generator()`: a CPU generator (MT19937 with PyTorch's seeding). */
export const Generator: typeof rng.Generator = signedClassAs(
  `${T}.Generator`,
  "()",
  rng.Generator,
);
export type Generator = rng.Generator;
bindMethods(rng.Generator, T, {
  manual_seed: "(self: Generator, seed: int|float)",
  seed: "(self: Generator)",
  initial_seed: "(self: Generator)",
  get_state: "(self: Generator)",
  set_state: "(self: Generator, new_state: object)",
});
export { default_generator } from "./random/generator.ts";
/** `torch.manual_seed(seed)`. */
export const manual_seed: typeof rng.manual_seed = signedAs(
  `${T}.manual_seed`,
  "(seed: int|float)",
  rng.manual_seed,
);
/** `torch.seed()`: a fresh non-deterministic seed, applied. */
export const seed: typeof rng.seed = signedAs(`${T}.seed`, "()", rng.seed);
/** `torch.initial_seed()`. */
export const initial_seed: typeof rng.initial_seed = signedAs(
  `${T}.initial_seed`,
  "()",
  rng.initial_seed,
);
/** `torch.get_rng_state()`. */
export const get_rng_state: typeof rng.get_rng_state = signedAs(
  `${T}.get_rng_state`,
  "()",
  rng.get_rng_state,
);
/** `torch.set_rng_state(new_state)`. */
export const set_rng_state: typeof rng.set_rng_state = signedAs(
  `${T}.set_rng_state`,
  "(new_state: object)",
  rng.set_rng_state,
);

/** `torch.is_grad_enabled()`. */
export const is_grad_enabled: typeof gradMode.is_grad_enabled = signedAs(
  `${T}.is_grad_enabled`,
  "()",
  gradMode.is_grad_enabled,
);
/** `torch.no_grad(fn?)`: runs fn without recording, or returns a scope (`using`). */
export const no_grad: typeof gradMode.no_grad = signedAs(
  `${T}.no_grad`,
  { sig: "(fn: callable? = None)", emit: "positional" },
  gradMode.no_grad,
);
/** `torch.inference_mode(fn?)`: as no_grad here (see autograd/grad_mode.ts). */
export const inference_mode: typeof gradMode.inference_mode = signedAs(
  `${T}.inference_mode`,
  { sig: "(mode: bool|callable = True)", emit: "positional" },
  gradMode.inference_mode,
);
/** `torch.is_anomaly_enabled()`. */
export const is_anomaly_enabled: typeof gradMode.is_anomaly_enabled = signedAs(
  `${T}.is_anomaly_enabled`,
  "()",
  gradMode.is_anomaly_enabled,
);
/** `torch.enable_grad(fn?)`. */
export const enable_grad: typeof gradMode.enable_grad = signedAs(
  `${T}.enable_grad`,
  { sig: "(fn: callable? = None)", emit: "positional" },
  gradMode.enable_grad,
);
/** `torch.set_grad_enabled(mode, fn?)`. */
export const set_grad_enabled: typeof gradMode.set_grad_enabled = signedAs(
  `${T}.set_grad_enabled`,
  { sig: "(mode: bool, fn: callable? = None)", emit: "positional" },
  gradMode.set_grad_enabled,
);

const BACKWARD = "retain_graph: bool? = None, create_graph: bool = False";

/**
 * `torch.autograd`: `Variable` (PyTorch 0.3's wrapper), `grad`, `backward`, `gradcheck`, the
 * grad-mode switches, and `Function` for ops with a hand-written backward.
 */
export const autograd: {
  Variable: typeof ag.Variable;
  grad: typeof ag.grad;
  gradcheck: typeof gradcheckImpl;
  backward: (
    tensors: Tensor | Tensor[],
    grad_tensors?: Tensor | (Tensor | undefined)[] | null,
    opts?: ag.BackwardOptions,
  ) => void;
  no_grad: typeof gradMode.no_grad;
  enable_grad: typeof gradMode.enable_grad;
  set_grad_enabled: typeof gradMode.set_grad_enabled;
  Function: typeof AutogradFunction;
  FunctionCtx: typeof FunctionCtx;
  set_detect_anomaly: typeof gradMode.set_detect_anomaly;
  functional: {
    jacobian: typeof functional.jacobian;
    hessian: typeof functional.hessian;
  };
} = {
  Function: AutogradFunction,
  FunctionCtx,
  set_detect_anomaly: signedAs(
    `${T}.autograd.set_detect_anomaly`,
    { sig: "(mode: bool)", emit: "positional" },
    gradMode.set_detect_anomaly,
  ),
  functional: {
    jacobian: signedAs(
      `${T}.autograd.functional.jacobian`,
      "(func: callable, inputs: Tensor|Tensor[], create_graph: bool = False, strict: bool = False)",
      functional.jacobian,
    ),
    hessian: signedAs(
      `${T}.autograd.functional.hessian`,
      "(func: callable, inputs: Tensor|Tensor[], create_graph: bool = False, strict: bool = False)",
      functional.hessian,
    ),
  },
  Variable: signedAs(
    `${T}.autograd.Variable`,
    "(data: Tensor, requires_grad: bool = False, volatile: bool = False)",
    ag.Variable,
  ),
  grad: signedAs(
    `${T}.autograd.grad`,
    `(outputs: Tensor|Tensor[], inputs: Tensor|Tensor[], grad_outputs: Tensor|Tensor[]? = None, ${BACKWARD}, allow_unused: bool = False)`,
    ag.grad,
  ),
  gradcheck: signedAs(
    `${T}.autograd.gradcheck`,
    "(func: callable, inputs: Tensor|Tensor[], *, eps: float = 1e-06, atol: float = 1e-05, rtol: float = 0.001, raise_exception: bool = True)",
    gradcheckImpl,
  ),
  /** `torch.autograd.backward(tensors, grad_tensors, retain_graph, create_graph, inputs)`. */
  backward: signedAs(
    `${T}.autograd.backward`,
    {
      sig:
        `(tensors: Tensor|Tensor[], grad_tensors: Tensor|any[]? = None, ${BACKWARD}, inputs: Tensor|Tensor[]? = None)`,
      emit: 2,
    },
    (
      tensors: Tensor | Tensor[],
      grad_tensors?: Tensor | (Tensor | undefined)[] | null,
      opts: ag.BackwardOptions = {},
    ): void => {
      const ts = Array.isArray(tensors) ? tensors : [tensors];
      const gs = grad_tensors == null
        ? []
        : Array.isArray(grad_tensors)
        ? grad_tensors
        : [grad_tensors];
      // One sweep per root keeps the engine single-rooted; the graph must be kept between them.
      ts.forEach((t, i) =>
        ag.backward(t, gs[i], {
          ...opts,
          retain_graph: i < ts.length - 1 ? true : opts.retain_graph,
        })
      );
    },
  ),
  no_grad,
  enable_grad,
  set_grad_enabled,
};

/** `torch.from_numpy(ndarray)`. */
export const from_numpy: typeof numpy.from_numpy = signedAs(
  `${T}.from_numpy`,
  "(ndarray: object)",
  numpy.from_numpy,
);
/** `torch.load(f)`: a checkpoint written by `torch.save` here or in PyTorch. */
export const load: typeof checkpoint.load = signedAs(
  `${T}.load`,
  "(f: any)",
  checkpoint.load,
);
/** `torch.save(obj, f)`. */
export const save: typeof checkpoint.save = signedAs(
  `${T}.save`,
  "(obj: any, f: any)",
  checkpoint.save,
);
/** `torch.load_npy(file)`: a `.npy` file as a tensor (flambeau's, for NumPy's format). */
export const load_npy: typeof npy.load_npy = signedAs(
  `${T}.load_npy`,
  "(file: any)",
  npy.load_npy,
);

/** `torch.device("cuda:0")`, `torch.device("cuda", 0)`, `torch.device(other)`. */
export const device: typeof deviceImpl = signedAs(
  `${T}.device`,
  { sig: "(type: device, index: int? = None)", emit: "positional" },
  deviceImpl,
);
/** `torch.finfo(type = default dtype)`: the numerical limits of a floating dtype. */
export const finfo: typeof dtypeInfo.finfo = signedAs(
  `${T}.finfo`,
  { sig: "(type: dtype? = None)", emit: "positional" },
  dtypeInfo.finfo,
);
/** `torch.iinfo(type)`: the limits of an integer dtype. */
export const iinfo: typeof dtypeInfo.iinfo = signedAs(
  `${T}.iinfo`,
  { sig: "(type: dtype)", emit: "positional" },
  dtypeInfo.iinfo,
);

/**
 * `torch.set_num_threads(n)`: threads the CPU's WebAssembly matrix products use, the calling
 * thread included (helpers are started when first needed). OpenBLAS keeps its own pool.
 */
export const set_num_threads: (n: number) => void = signedAs(
  "torch.set_num_threads",
  // Any value reaches setNumThreads, which raises PyTorch's RuntimeError for a non-int.
  "(int: any)",
  setNumThreads,
);

/** `torch.get_num_threads()`: by default the machine's cores (FLAMBEAU_NUM_THREADS overrides). */
export const get_num_threads: () => number = signedAs(
  "torch.get_num_threads",
  "()",
  getNumThreads,
);
