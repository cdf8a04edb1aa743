// `torch.linalg` as the user sees it: each function behind its PyTorch 1.13 signature, and
// `LinAlgError`.

import { signAll, type SignedTable } from "../signature.ts";
import { LinAlgError } from "../errors.ts";
import * as LA from "./mod.ts";

const DT = "*, dtype: dtype? = None";

/** The Python signatures of `torch.linalg`. */
export const LINALG = {
  vector_norm:
    `(x: Tensor, ord: float = 2, dim: int|int[]? = None, keepdim: bool = False, ${DT})`,
  matrix_norm:
    `(A: Tensor, ord: float|str = 'fro', dim: int[] = (-2,-1), keepdim: bool = False, ${DT})`,
  norm:
    `(A: Tensor, ord: float|str? = None, dim: int|int[]? = None, keepdim: bool = False, ${DT})`,
  det: "(A: Tensor)",
  slogdet: "(A: Tensor)",
  inv: "(A: Tensor)",
  solve: "(A: Tensor, B: Tensor, *, left: bool = True)",
  cholesky: "(A: Tensor, *, upper: bool = False)",
  qr: "(A: Tensor, mode: str = 'reduced')",
  eigh: "(A: Tensor, UPLO: str = 'L')",
  eigvalsh: "(A: Tensor, UPLO: str = 'L')",
  svd: "(A: Tensor, full_matrices: bool = True, *, driver: str? = None)",
  svdvals: "(A: Tensor, *, driver: str? = None)",
} as const;

/** `torch.linalg`: norms, det, inv, solve and the decompositions, with gradients. */
export const linalg: SignedTable<typeof LINALG, typeof LA> & {
  LinAlgError: typeof LinAlgError;
} = { ...signAll("torch.linalg", LINALG, LA), LinAlgError };
