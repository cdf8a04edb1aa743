// libstdc++'s selection and sorting algorithms, step for step: PyTorch's CPU topk runs
// std::nth_element, std::sort and std::partial_sort, which are not stable, so only the same
// algorithm gives tied elements the same order (and the same indices) as PyTorch.

/** A strict weak order, as a C++ comparator: true when a goes before b. */
export type Less<T> = (a: T, b: T) => boolean;

const THRESHOLD = 16; // libstdc++'s _S_threshold: below it, insertion sort finishes the job

/** std::__lg: floor(log2(n)) for n > 0. */
function lg(n: number): number {
  return 31 - Math.clz32(n);
}

function swap<T>(a: T[], i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

function unguardedLinearInsert<T>(a: T[], last: number, less: Less<T>): void {
  const val = a[last];
  let next = last - 1;
  while (less(val, a[next])) {
    a[last] = a[next];
    last = next--;
  }
  a[last] = val;
}

function insertionSort<T>(
  a: T[],
  first: number,
  last: number,
  less: Less<T>,
): void {
  if (first === last) return;
  for (let i = first + 1; i < last; i++) {
    if (less(a[i], a[first])) {
      const val = a[i];
      a.copyWithin(first + 1, first, i);
      a[first] = val;
    } else unguardedLinearInsert(a, i, less);
  }
}

function moveMedianToFirst<T>(
  a: T[],
  result: number,
  x: number,
  y: number,
  z: number,
  less: Less<T>,
): void {
  if (less(a[x], a[y])) {
    if (less(a[y], a[z])) swap(a, result, y);
    else if (less(a[x], a[z])) swap(a, result, z);
    else swap(a, result, x);
  } else if (less(a[x], a[z])) swap(a, result, x);
  else if (less(a[y], a[z])) swap(a, result, z);
  else swap(a, result, y);
}

function unguardedPartition<T>(
  a: T[],
  first: number,
  last: number,
  pivot: number,
  less: Less<T>,
): number {
  for (;;) {
    while (less(a[first], a[pivot])) first++;
    last--;
    while (less(a[pivot], a[last])) last--;
    if (!(first < last)) return first;
    swap(a, first, last);
    first++;
  }
}

function unguardedPartitionPivot<T>(
  a: T[],
  first: number,
  last: number,
  less: Less<T>,
): number {
  const mid = first + Math.trunc((last - first) / 2);
  moveMedianToFirst(a, first, first + 1, mid, last - 1, less);
  return unguardedPartition(a, first + 1, last, first, less);
}

// Binary heaps over a[first, first + len), as std::make_heap / pop_heap build them.

function pushHeap<T>(
  a: T[],
  first: number,
  hole: number,
  top: number,
  value: T,
  less: Less<T>,
): void {
  let parent = Math.trunc((hole - 1) / 2);
  while (hole > top && less(a[first + parent], value)) {
    a[first + hole] = a[first + parent];
    hole = parent;
    parent = Math.trunc((hole - 1) / 2);
  }
  a[first + hole] = value;
}

function adjustHeap<T>(
  a: T[],
  first: number,
  hole: number,
  len: number,
  value: T,
  less: Less<T>,
): void {
  const top = hole;
  let child = hole;
  while (child < Math.trunc((len - 1) / 2)) {
    child = 2 * (child + 1);
    if (less(a[first + child], a[first + child - 1])) child--;
    a[first + hole] = a[first + child];
    hole = child;
  }
  if ((len & 1) === 0 && child === Math.trunc((len - 2) / 2)) {
    child = 2 * (child + 1);
    a[first + hole] = a[first + child - 1];
    hole = child - 1;
  }
  pushHeap(a, first, hole, top, value, less);
}

function makeHeap<T>(a: T[], first: number, last: number, less: Less<T>) {
  const len = last - first;
  if (len < 2) return;
  for (let parent = Math.trunc((len - 2) / 2);; parent--) {
    adjustHeap(a, first, parent, len, a[first + parent], less);
    if (parent === 0) return;
  }
}

function popHeap<T>(
  a: T[],
  first: number,
  last: number,
  result: number,
  less: Less<T>,
): void {
  const value = a[result];
  a[result] = a[first];
  adjustHeap(a, first, 0, last - first, value, less);
}

function heapSelect<T>(
  a: T[],
  first: number,
  middle: number,
  last: number,
  less: Less<T>,
): void {
  makeHeap(a, first, middle, less);
  for (let i = middle; i < last; i++) {
    if (less(a[i], a[first])) popHeap(a, first, middle, i, less);
  }
}

/** std::partial_sort(first, middle, last): the smallest middle - first elements, sorted, in front. */
export function partialSort<T>(
  a: T[],
  first: number,
  middle: number,
  last: number,
  less: Less<T>,
): void {
  heapSelect(a, first, middle, last, less);
  for (let end = middle; end - first > 1;) {
    end--;
    popHeap(a, first, end, end, less);
  }
}

/** std::nth_element: a[nth] is the element a sort would put there, smaller ones before it. */
export function nthElement<T>(
  a: T[],
  first: number,
  nth: number,
  last: number,
  less: Less<T>,
): void {
  if (first === last || nth === last) return;
  let depth = lg(last - first) * 2;
  while (last - first > 3) {
    if (depth === 0) {
      heapSelect(a, first, nth + 1, last, less);
      swap(a, first, nth);
      return;
    }
    depth--;
    const cut = unguardedPartitionPivot(a, first, last, less);
    if (cut <= nth) first = cut;
    else last = cut;
  }
  insertionSort(a, first, last, less);
}

function introsortLoop<T>(
  a: T[],
  first: number,
  last: number,
  depth: number,
  less: Less<T>,
): void {
  while (last - first > THRESHOLD) {
    if (depth === 0) {
      partialSort(a, first, last, last, less);
      return;
    }
    depth--;
    const cut = unguardedPartitionPivot(a, first, last, less);
    introsortLoop(a, cut, last, depth, less);
    last = cut;
  }
}

/** std::sort (introsort): not stable. */
export function introsort<T>(
  a: T[],
  first: number,
  last: number,
  less: Less<T>,
): void {
  if (first === last) return;
  introsortLoop(a, first, last, lg(last - first) * 2, less);
  if (last - first > THRESHOLD) {
    insertionSort(a, first, first + THRESHOLD, less);
    for (let i = first + THRESHOLD; i < last; i++) {
      unguardedLinearInsert(a, i, less);
    }
  } else insertionSort(a, first, last, less);
}
