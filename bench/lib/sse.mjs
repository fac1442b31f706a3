// Server-sent events from a fetch() response body, as the OpenAI streaming
// endpoints send them: frames "data: <payload>" separated by blank lines.
//
//   for await (const data of sseData(res.body)) {
//     if (data === '[DONE]') break;
//     const chunk = JSON.parse(data);
//   }
//
// Yields each frame's data payload as a string, in arrival order; frames
// without a "data:" field (comments, keep-alives) are skipped. Errors from the
// body (including an AbortError) propagate to the caller.
export async function* sseData(body) {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true }).replace(/\r\n/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame.split('\n').filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
      if (data.length) yield data.join('\n');
    }
  }
}
