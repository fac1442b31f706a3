#!/usr/bin/env python3
"""Records the reference engine's renderings of the test conversations.

For each template in ../shared/conformance/templates, starts llama-server
(--jinja --chat-template-file T) with a tiny model on 127.0.0.1, POSTs each
conversation of conversations.json to /apply-template, and writes
expected/<template>.json with the prompts, the bos/eos text of the model and
the unix time of the recording (templates print today's date).

Usage: record_reference.py LLAMA_SERVER MODEL TEMPLATE_DIR [NAMES...]
"""
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PORT = 18931


def post(path, body):
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def wait_ready(proc):
    for _ in range(200):
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/health", timeout=1) as resp:
                if resp.status == 200:
                    return True
        except Exception:
            pass
        time.sleep(0.1)
    return False


def main():
    server, model, template_dir = sys.argv[1:4]
    names = sys.argv[4:] or sorted(f[:-6] for f in os.listdir(template_dir) if f.endswith(".jinja"))
    conversations = json.load(open(os.path.join(HERE, "conversations.json")))
    out_dir = os.path.join(HERE, "expected")
    os.makedirs(out_dir, exist_ok=True)
    for name in names:
        path = os.path.join(template_dir, name + ".jinja")
        proc = subprocess.Popen([server, "-m", model, "--jinja", "--chat-template-file", path,
                                 "--host", "127.0.0.1", "--port", str(PORT), "-c", "256"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        record = {"template": name, "now_unix_seconds": int(time.time()),
                  "bos_token": "<s>", "eos_token": "</s>", "strips_leading_bos": True}
        try:
            if not wait_ready(proc):
                record["error"] = "server did not start: " + proc.stderr.read().decode()[-400:]
            else:
                for conv_name, conv in conversations.items():
                    status, body = post("/apply-template", conv)
                    if status == 200:
                        record[conv_name] = body["prompt"]
                    else:
                        record[conv_name + "_error"] = body.get("error", {}).get("message", str(status))
        finally:
            proc.terminate()
            proc.wait()
        with open(os.path.join(out_dir, name + ".json"), "w") as f:
            json.dump(record, f, indent=1, ensure_ascii=False)
            f.write("\n")
        print(name, "ok" if "basic" in record else "FAILED", flush=True)


if __name__ == "__main__":
    main()
