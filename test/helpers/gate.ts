/**
 * A promise settled from outside: a test holds a transaction (or an attempt) open on `opened`, and
 * lets it go on with `open()`. (Node 20 has no Promise.withResolvers.)
 */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}
