"""The rehearsal's AWS: moto's server with the patches (aws_patches.py) and the bridge (bridge.py).

Its log (the build sends stdout and stderr to moto.log) has moto's errors and the calls request_log.py
names: retried by their SDK, answered with 5xx, or slow.

Started by the build's Provision (rehearsal/MotoServer.cs) and kept running between runs; stopped by
LocalDown (SIGTERM). moto keeps everything in memory: when this process is gone, the rehearsal's AWS
is gone with it, and the next Provision starts it afresh.

    python3 launcher.py --port PORT --bridge BRIDGE.json --images IMAGES.json

--images is moto's AMI list (MOTO_AMIS_PATH): the images every account of this moto sees, here the
public Debian 13 image under Debian's own account that terraform's AMI lookup finds.
"""

import argparse
import logging
import os
import pathlib
import signal
import sys
import threading

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bridge", required=True)
    parser.add_argument("--images", required=True)
    arguments = parser.parse_args()

    # read when moto's EC2 models are imported: set before anything imports moto
    os.environ["MOTO_AMIS_PATH"] = arguments.images

    import aws_patches
    import bridge
    from moto import __version__
    from moto.server import DomainDispatcherApplication, create_backend_app
    from request_log import RequestLog
    from werkzeug.serving import make_server

    patches = aws_patches.apply_all()
    bridge.install(arguments.bridge)
    # one line per request would bury what matters in the log: errors and warnings only
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # moto's ThreadedMotoServer, with the request log around its application
    server = make_server("127.0.0.1", arguments.port, RequestLog(DomainDispatcherApplication(create_backend_app)), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"moto {__version__} serving on http://127.0.0.1:{arguments.port} with {len(patches)} patches: {', '.join(patches)}", flush=True)

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    server.shutdown()
    print("moto stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
