/**
 * Resolves with what `promise` resolves to, or with `lateValue` if it has not settled within `ms`.
 * The timer is cleared either way and never keeps the process alive.
 */
export async function withTimeout<T, L>(promise: Promise<T>, ms: number, lateValue: L): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<L>((resolve) => {
    timer = setTimeout(() => resolve(lateValue), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
