#!/usr/bin/env python3
"""A BITS upload client in Python (standard library only) that speaks the bits-conformance/1
process protocol: JSON lines on stdin/stdout, one job per `create`, many jobs at once.

It is an example for client authors in other languages: the job logic (BITS_POST packets, fragments
resumed from BITS-Received-Content-Range, the server-application status rules, MinimumRetryDelay and
NoProgressTimeout) is in `UploadJob`; the protocol plumbing is in `main`.

Run it under the suite:  npm start -- --client-cmd "python3 examples/python/bits_client.py"
"""
import base64
import http.client
import json
import select
import sys
import threading
import time
import urllib.parse

PROTOCOL = "bits-conformance/1"
BITS_PROTOCOL_GUID = "{7df0354d-249b-430f-820d-3d2a9bef4931}"
FRAGMENT_SIZE = 4096
MAX_STALLS = 32  # answers in a row without progress before the stall counts as a transient error

CONTEXT_UNKNOWN = 1
CONTEXT_REMOTE_FILE = 5
CONTEXT_GENERAL_TRANSPORT = 6
CONTEXT_REMOTE_APPLICATION = 7
BG_E_SESSION_NOT_FOUND = 0x8020001F
BG_E_INVALID_SERVER_RESPONSE = 0x8020002B
ERROR_INTERNET_CONNECTION_ABORTED = 0x80072EFE
E_UNEXPECTED = 0x8000FFFF


def classify(status):
    """What BITS does after an HTTP status ("Handling Server Application Errors")."""
    if status == 200:
        return "success"
    if 300 <= status <= 399:
        return "fatal" if status <= 305 or status == 307 else "transient"
    if 400 <= status <= 499:
        return "transient" if status in (408, 409) else "fatal"
    if 500 <= status <= 599:
        return "fatal" if status in (501, 505) else "transient"
    return "transient"


def http_error_code(status):
    return 0x80190000 + status


def parse_hex(value):
    try:
        return int(value, 16) if value else None
    except ValueError:
        return None


class Connections:
    """The job's HTTP/1.1 connections, one per host, kept open between requests as Windows' BITS keeps
    one: some BITS servers keep sessions per TCP connection. http.client reopens a connection the server
    closed with Connection: close; one the server closed while it was idle is noticed before it is used
    (it reads as ready: end of stream) and reopened. A connection that fails during a request is not
    retried here: that is a transient error, retried after the retry delay like any other."""

    def __init__(self):
        self.lock = threading.Lock()  # one request at a time per job (the transfer and Cancel-Session threads)
        self.open = {}

    def request(self, host, port, method, path, body=b"", headers=None, send_if=None):
        """One request and its answer. `send_if(send)` decides whether to send at all and sends, so that a
        job cancelled between its own check and the send cannot still send (it raises Abandoned)."""
        with self.lock:
            connection = self.open.get((host, port))
            if connection is None:
                connection = self.open[(host, port)] = http.client.HTTPConnection(host, port, timeout=30)
            elif connection.sock is not None and select.select([connection.sock], [], [], 0)[0]:
                connection.close()  # closed by the server while idle: http.client opens a new one
            try:
                send = lambda: connection.request(method, path, body=body, headers=headers or {})  # noqa: E731
                if send_if is None:
                    send()
                elif not send_if(send):
                    raise Abandoned()
                response = connection.getresponse()
                return response.status, response, response.read()
            except BaseException:
                connection.close()
                raise

    def close(self):
        with self.lock:
            for connection in self.open.values():
                connection.close()
            self.open.clear()


class Abandoned(Exception):
    """The job was suspended or cancelled before a request went out: nothing was sent."""


class Outcome:
    """How one attempt ended: done, or an error that is transient or fatal."""

    def __init__(self, kind, error=None):
        self.kind = kind  # "done" | "transient" | "fatal" | "abandoned"
        self.error = error


class UploadJob:
    def __init__(self, client, job_id, url, payload, job_type, retry_delay_ms, no_progress_ms):
        self.client = client
        self.id = job_id
        self.url = urllib.parse.urlsplit(url)
        self.payload = payload
        self.type = job_type
        self.retry_delay = retry_delay_ms / 1000.0
        self.no_progress_timeout = no_progress_ms / 1000.0
        self.state = "SUSPENDED"
        self.attempt_generation = None  # the attempt whose packets may go out (see request)
        self.error = None
        self.reply = None
        self.session = None
        self.session_host = None  # a server farm's BITS-Host-Id: where the session's packets go
        self.offset = 0
        self.fragment_size = FRAGMENT_SIZE
        self.uploaded = False  # the application accepted the file; only Close-Session is left
        self.no_repost = False  # after 403 the file must never be posted again
        self.no_progress_since = None
        self.generation = 0  # bumped by resume/suspend/cancel: older work is abandoned
        self.connections = Connections()
        self.wake = threading.Condition()

    # --- the job API (called from the protocol thread) ---

    def resume(self):
        with self.wake:
            if self.state not in ("SUSPENDED", "ERROR", "TRANSIENT_ERROR"):
                return
            if self.no_repost:
                # After a 403 nothing may post the file again, however often the job is resumed (from
                # ERROR, or after a suspend): it goes back to ERROR with its error, and sends nothing.
                self.set_state("ERROR")
                return
            self.generation += 1
            generation = self.generation
            self.no_progress_since = None
            self.error = None
            self.set_state("QUEUED")
            self.wake.notify_all()
        threading.Thread(target=self.run, args=(generation,), daemon=True).start()

    def suspend(self):
        with self.wake:
            if self.state in ("ACKNOWLEDGED", "CANCELLED", "TRANSFERRED"):
                return
            self.generation += 1
            self.set_state("SUSPENDED")
            self.wake.notify_all()

    def cancel(self):
        with self.wake:
            if self.state in ("ACKNOWLEDGED", "CANCELLED"):
                return
            self.generation += 1
            session = self.session if not self.uploaded else None
            self.set_state("CANCELLED")
            self.wake.notify_all()
        if session:
            threading.Thread(target=self.cancel_session, args=(session,), daemon=True).start()
        else:
            self.connections.close()

    def complete(self):
        with self.wake:
            if self.state == "TRANSFERRED":
                self.set_state("ACKNOWLEDGED")
        self.connections.close()

    # --- state ---

    def set_state(self, state, error=None):
        if error is not None:
            self.error = error
        if state == self.state and error is None:
            return
        self.state = state
        self.client.event(self)

    def current(self, generation):
        return generation == self.generation

    # --- the transfer ---

    def run(self, generation):
        try:
            self.transfer(generation)
        except Exception as exc:  # a client must not crash its host
            print(f"job {self.id}: unexpected {exc!r}", file=sys.stderr)
            with self.wake:
                if self.current(generation):
                    self.set_state("ERROR", (CONTEXT_UNKNOWN, E_UNEXPECTED))

    def transfer(self, generation):
        ping = True  # a resume restarts at Ping (MC-BUP 3.1.4.3)
        while True:
            outcome = self.attempt(generation, ping)
            ping = False
            with self.wake:
                if not self.current(generation) or outcome.kind in ("done", "abandoned"):
                    return
                if outcome.kind == "fatal":
                    self.set_state("ERROR", outcome.error)
                    return
                # Transient: retry after the delay, until the no-progress timeout runs out.
                now = time.monotonic()
                if self.no_progress_timeout == 0:
                    self.set_state("ERROR", outcome.error)
                    return
                if self.no_progress_since is None:
                    self.no_progress_since = now
                deadline = self.no_progress_since + self.no_progress_timeout
                if now >= deadline:
                    self.set_state("ERROR", outcome.error)
                    return
                self.set_state("TRANSIENT_ERROR", outcome.error)
                retry_at = now + self.retry_delay
                wake_at = min(retry_at, deadline)
                while self.current(generation) and time.monotonic() < wake_at:
                    self.wake.wait(wake_at - time.monotonic())
                if not self.current(generation):
                    return
                if retry_at >= deadline:
                    self.set_state("ERROR", outcome.error)
                    return
                self.set_state("QUEUED")

    def request(self, packet_type, body=b"", headers=None, path=None, gated=True):
        session_packet = packet_type not in ("Ping", "Create-Session")
        host = self.session_host if session_packet and self.session_host else self.url.hostname
        all_headers = {"BITS-Packet-Type": packet_type, "Content-Length": str(len(body))}
        all_headers.update(headers or {})
        # A packet of an attempt goes out only while that attempt is current: checked and sent under the
        # job's lock, so cancel() or suspend() cannot come in between (no request after CANCELLED).
        generation = self.attempt_generation

        def send_if(send):
            with self.wake:
                if gated and generation is not None and not self.current(generation):
                    return False
                send()
                return True

        status, response, _ = self.connections.request(host, self.url.port or 80, "BITS_POST", path or self.url.path, body, all_headers, send_if)
        return status, response

    def attempt(self, generation, ping):
        try:
            with self.wake:
                if not self.current(generation):
                    return Outcome("abandoned")
                self.attempt_generation = generation
                self.set_state("CONNECTING")
            if ping:
                status, response = self.request("Ping")
                if status != 200:
                    return self.server_error(status, response)
            if self.uploaded:
                return self.close_session(generation)
            if self.session is None:
                failed = self.create_session()
                if failed:
                    return failed
            with self.wake:
                if not self.current(generation):
                    return Outcome("abandoned")
                self.set_state("TRANSFERRING")
            return self.send_fragments(generation)
        except Abandoned:
            return Outcome("abandoned")
        except (OSError, http.client.HTTPException):
            return Outcome("transient", (CONTEXT_GENERAL_TRANSPORT, ERROR_INTERNET_CONNECTION_ABORTED))

    def create_session(self):
        status, response = self.request("Create-Session", headers={"BITS-Supported-Protocols": BITS_PROTOCOL_GUID})
        if status != 200:
            return self.server_error(status, response)
        protocol = (response.getheader("BITS-Protocol") or "").lower()
        session = response.getheader("BITS-Session-Id")
        if protocol != BITS_PROTOCOL_GUID or not session:
            return Outcome("fatal", (CONTEXT_REMOTE_FILE, BG_E_INVALID_SERVER_RESPONSE))
        self.session = session
        self.session_host = (response.getheader("BITS-Host-Id") or "").strip() or None
        self.offset = 0
        return None

    def send_fragments(self, generation):
        total = len(self.payload)
        stalls = 0  # answers in a row that moved the offset nowhere: a broken server must not make us spin
        while True:
            if stalls > MAX_STALLS:
                return Outcome("transient", (CONTEXT_REMOTE_FILE, BG_E_INVALID_SERVER_RESPONSE))
            stalls += 1
            first = self.offset
            last = min(first + self.fragment_size, total) - 1
            status, response = self.request(
                "Fragment",
                body=self.payload[first : last + 1],
                headers={
                    "BITS-Session-Id": self.session,
                    "Content-Range": f"bytes {first}-{last}/{total}",
                    "Content-Name": self.url.path.rsplit("/", 1)[-1],
                },
            )
            if not self.current(generation):
                return Outcome("abandoned")
            context = parse_hex(response.getheader("BITS-Error-Context"))
            code = parse_hex(response.getheader("BITS-Error-Code") or response.getheader("BITS-Error"))
            if context == CONTEXT_REMOTE_APPLICATION:
                # The application's status; a relayed 1xx arrives as 500, so the code is the truth.
                application_status = code & 0xFFFF if code is not None and code >> 16 == 0x8019 else status
                error = (CONTEXT_REMOTE_APPLICATION, code if code is not None else http_error_code(application_status))
                if application_status == 403:
                    self.no_repost = True
                    return Outcome("fatal", error)
                verdict = classify(application_status)
                return Outcome("fatal" if verdict == "fatal" else "transient", error)
            received = response.getheader("BITS-Received-Content-Range")
            if status == 200:
                if received is None or not received.isdigit() or int(received) > total:
                    return Outcome("fatal", (CONTEXT_REMOTE_FILE, BG_E_INVALID_SERVER_RESPONSE))
                if int(received) > self.offset:
                    stalls = 0
                    with self.wake:
                        self.no_progress_since = None  # progress resets the no-progress timer
                self.offset = int(received)
                if self.offset >= total:
                    return self.uploaded_file(generation, response)
                continue
            if status == 416 and received is not None and received.isdigit():
                self.offset = int(received)
                continue
            if status == 500 and code == BG_E_SESSION_NOT_FOUND:
                self.session = None
                failed = self.create_session()
                if failed:
                    return failed
                continue
            if status == 413 and last + 1 < total and self.fragment_size > 1:
                self.fragment_size = max(1, self.fragment_size // 2)
                continue
            return self.server_error(status, response)

    def uploaded_file(self, generation, response):
        if self.type == "upload-reply":
            reply_url = response.getheader("BITS-Reply-URL")
            if not reply_url:
                return Outcome("fatal", (CONTEXT_REMOTE_FILE, BG_E_INVALID_SERVER_RESPONSE))
            target = urllib.parse.urlsplit(reply_url)
            path = target.path + (f"?{target.query}" if target.query else "")
            _, reply, body = self.connections.request(target.hostname, target.port or 80, "GET", path)
            if reply.status != 200:
                return self.server_error(reply.status, reply)
            self.reply = body
        self.uploaded = True
        return self.close_session(generation)

    def close_session(self, generation):
        status, response = self.request("Close-Session", headers={"BITS-Session-Id": self.session})
        code = parse_hex(response.getheader("BITS-Error-Code") or response.getheader("BITS-Error"))
        if 500 <= status <= 599 and code != BG_E_SESSION_NOT_FOUND:
            return Outcome("transient", (CONTEXT_REMOTE_FILE, code if code is not None else http_error_code(status)))
        with self.wake:
            if not self.current(generation):
                return Outcome("abandoned")
            self.session = None
            self.set_state("TRANSFERRED")
        return Outcome("done")

    def server_error(self, status, response):
        """An error the BITS server raised itself: context 5, transient or fatal by its status."""
        code = parse_hex(response.getheader("BITS-Error-Code") or response.getheader("BITS-Error"))
        error = (CONTEXT_REMOTE_FILE, code if code is not None else http_error_code(status))
        return Outcome("fatal" if classify(status) == "fatal" else "transient", error)

    def cancel_session(self, session):
        """Cancel-Session, re-sent after the retry delay on 500-599 (not on session-not-found) or a
        dropped connection, until the no-progress timeout; never re-sent on 100-499."""
        try:
            self.send_cancel_session(session)
        finally:
            self.connections.close()

    def send_cancel_session(self, session):
        deadline = time.monotonic() + self.no_progress_timeout
        while True:
            try:
                status, response = self.request("Cancel-Session", headers={"BITS-Session-Id": session}, gated=False)
                code = parse_hex(response.getheader("BITS-Error-Code") or response.getheader("BITS-Error"))
                if not (500 <= status <= 599) or code == BG_E_SESSION_NOT_FOUND:
                    return
            except (OSError, http.client.HTTPException):
                pass
            if time.monotonic() + self.retry_delay > deadline:
                return
            time.sleep(self.retry_delay)


class Client:
    """The process-protocol side: reads commands, answers them, pushes state events."""

    def __init__(self, job_factory=UploadJob):
        self.jobs = {}
        self.job_factory = job_factory
        self.out = threading.Lock()

    def write(self, message):
        with self.out:
            sys.stdout.write(json.dumps(message) + "\n")
            sys.stdout.flush()

    @staticmethod
    def wire_error(error):
        return None if error is None else {"context": error[0], "code": f"0x{error[1]:08X}"}

    def event(self, job):
        self.write({"event": "state", "job": job.id, "state": job.state, "error": self.wire_error(job.error)})

    def handle(self, command):
        cmd = command.get("cmd")
        if cmd == "hello":
            return {"name": "bits-conformance python example", "version": "1.0.0", "capabilities": {"uploadReply": True, "events": True}}
        if cmd == "shutdown":
            return {}
        if cmd == "create":
            with open(command["payloadFile"], "rb") as payload:
                data = payload.read()
            self.jobs[command["job"]] = self.job_factory(
                self, command["job"], command["url"], data, command["type"],
                command["minimumRetryDelayMs"], command["noProgressTimeoutMs"],
            )
            return {}
        job = self.jobs.get(command.get("job"))
        if job is None:
            raise LookupError(f"no job {command.get('job')!r}")
        if cmd in ("resume", "suspend", "cancel", "complete"):
            getattr(job, cmd)()
            return {}
        if cmd == "state":
            with job.wake:
                return {"state": job.state, "error": self.wire_error(job.error)}
        if cmd == "reply":
            return {"reply": base64.b64encode(job.reply).decode("ascii") if job.reply is not None else None}
        raise ValueError(f"unknown command {cmd!r}")

    def serve(self):
        for line in sys.stdin:
            if not line.strip():
                continue
            command = json.loads(line)
            try:
                answer = {"id": command["id"], "ok": True, **self.handle(command)}
            except Exception as exc:
                answer = {"id": command.get("id", 0), "ok": False, "error": str(exc)}
            self.write(answer)
            if command.get("cmd") == "shutdown":
                return
        # stdin closed: the suite is gone, and so are we.


def main(job_factory=UploadJob):
    Client(job_factory).serve()


if __name__ == "__main__":
    main()
