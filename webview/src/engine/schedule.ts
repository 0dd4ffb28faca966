/**
 * Yields to the browser between layers so the panel stays responsive. A
 * MessageChannel message runs on the next task without the 1-second
 * throttling that setTimeout suffers in a hidden webview.
 */
export function yieldToBrowser(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
