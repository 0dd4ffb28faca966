/**
 * Yields to the browser between layers so the panel stays responsive. A
 * MessageChannel message runs on the next task without the 1-second
 * throttling that setTimeout suffers in a hidden webview.
 */
export function yieldToBrowser(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    // The DOM's MessagePort has `onmessage`; Node's typings (this file is also checked for Node-side tests) do not say so.
    const port = channel.port1 as unknown as { onmessage: (() => void) | null; close(): void };
    port.onmessage = () => {
      port.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
