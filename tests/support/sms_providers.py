"""Loopback stand-ins of Alibaba Cloud SMS and Tencent Cloud SMS (issue 12): small HTTP servers
on 127.0.0.1 that the providers' SDKs are pointed at through their endpoint setting. Each
checks the request's signature the way its provider does, from the shared secret, and refuses
a wrong one (Aliyun: ACS3-HMAC-SHA256; Tencent: TC3-HMAC-SHA256), then answers SendSms and the
delivery-report calls as the provider documents them."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit


def _serve(handle) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            status, answer = handle(self.command, self.path, dict(self.headers.items()), body)
            data = json.dumps(answer, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


class _Provider:
    def __init__(self):
        self.sent: list[dict] = []  # accepted SendSms calls
        self.refused: list[str] = []  # why a request was refused (bad signature …)
        self.reports: dict[str, tuple[str, str]] = {}  # message id -> (status, code)
        self._lock = threading.Lock()
        self.httpd = _serve(self._handle)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class AliyunSms(_Provider):
    """dysmsapi 2017-05-25, RPC style; the SDK signs with ACS3-HMAC-SHA256."""

    def __init__(self, key_id: str = "LTAI-test", secret: str = "aliyun-secret"):
        self.key_id, self.secret = key_id, secret
        super().__init__()

    def _signature_problem(self, method, path, headers, body) -> str:
        h = {k.lower(): v for k, v in headers.items()}
        auth = h.get("authorization", "")
        if not auth.startswith("ACS3-HMAC-SHA256 "):
            return "no ACS3-HMAC-SHA256 authorization"
        fields = dict(p.split("=", 1) for p in auth.removeprefix("ACS3-HMAC-SHA256 ").split(","))
        if fields.get("Credential") != self.key_id:
            return "InvalidAccessKeyId.NotFound"
        signed = fields.get("SignedHeaders", "").split(";")
        for needed in ("host", "x-acs-action", "x-acs-content-sha256", "x-acs-date"):
            if needed not in signed:
                return f"{needed} is not signed"
        if h.get("x-acs-content-sha256") != hashlib.sha256(body).hexdigest():
            return "the body does not match x-acs-content-sha256"
        url = urlsplit(path)
        query = sorted(parse_qsl(url.query, keep_blank_values=True))
        canonical_query = "&".join(f"{k}={quote(v, safe='~')}" for k, v in query)
        canonical_headers = "".join(f"{name}:{h.get(name, '').strip()}\n" for name in signed)
        canonical = "\n".join(
            [
                method,
                url.path or "/",
                canonical_query,
                canonical_headers,
                ";".join(signed),
                h["x-acs-content-sha256"],
            ]
        )
        to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        expected = hmac.new(self.secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields.get("Signature", "")):
            return "SignatureDoesNotMatch"
        return ""

    def _handle(self, method, path, headers, body):
        problem = self._signature_problem(method, path, headers, body)
        if problem:
            with self._lock:
                self.refused.append(problem)
            return 400, {"Code": "SignatureDoesNotMatch", "Message": problem}
        params = dict(parse_qsl(urlsplit(path).query)) | dict(parse_qsl(body.decode()))
        action = {k.lower(): v for k, v in headers.items()}.get("x-acs-action")
        if action == "SendSms":
            biz_id = uuid.uuid4().hex[:20]
            with self._lock:
                self.sent.append(
                    {
                        "to": params["PhoneNumbers"],
                        "sign": params["SignName"],
                        "template": params["TemplateCode"],
                        "params": json.loads(params.get("TemplateParam", "{}")),
                        "out_id": params.get("OutId", ""),
                        "biz_id": biz_id,
                    }
                )
            return 200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": "r"}
        if action == "QuerySendDetails":
            status, code = self.reports.get(params.get("BizId", ""), ("waiting", ""))
            send_status = {"waiting": 1, "failed": 2, "delivered": 3}[status]
            detail = {
                "PhoneNum": params.get("PhoneNumber", ""),
                "SendStatus": send_status,
                "ErrCode": code,
                "ReceiveDate": "2026-12-07 12:00:00",
                "SendDate": "2026-12-07 12:00:00",
                "Content": "",
                "TemplateCode": "",
                "OutId": "",
            }
            return 200, {
                "Code": "OK",
                "Message": "OK",
                "RequestId": "r",
                "TotalCount": 1,
                "SmsSendDetailDTOs": {"SmsSendDetailDTO": [detail]},
            }
        return 404, {"Code": "InvalidAction", "Message": str(action)}


class TencentSms(_Provider):
    """sms 2021-01-11; the SDK signs with TC3-HMAC-SHA256."""

    def __init__(self, secret_id: str = "AKID-test", secret_key: str = "tencent-secret"):
        self.secret_id, self.secret_key = secret_id, secret_key
        super().__init__()

    def _signature_problem(self, method, path, headers, body) -> str:
        h = {k.lower(): v for k, v in headers.items()}
        auth = h.get("authorization", "")
        if not auth.startswith("TC3-HMAC-SHA256 "):
            return "no TC3-HMAC-SHA256 authorization"
        fields = dict(
            p.strip().split("=", 1) for p in auth.removeprefix("TC3-HMAC-SHA256 ").split(",")
        )
        secret_id, date, service, _ = fields.get("Credential", "///").split("/", 3)
        if secret_id != self.secret_id:
            return "AuthFailure.SecretIdNotFound"
        timestamp = int(h.get("x-tc-timestamp", "0"))
        if datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d") != date:
            return "the credential's date is not the timestamp's"
        signed = fields.get("SignedHeaders", "").split(";")
        if "host" not in signed or "content-type" not in signed:
            return "host and content-type must be signed"
        canonical = "\n".join(
            [
                method,
                urlsplit(path).path or "/",
                urlsplit(path).query,
                "".join(f"{name}:{h.get(name, '').strip().lower()}\n" for name in signed),
                ";".join(signed),
                hashlib.sha256(body).hexdigest(),
            ]
        )
        scope = f"{date}/{service}/tc3_request"
        to_sign = "\n".join(
            [
                "TC3-HMAC-SHA256",
                str(timestamp),
                scope,
                hashlib.sha256(canonical.encode()).hexdigest(),
            ]
        )

        def mac(key: bytes, msg: str) -> bytes:
            return hmac.new(key, msg.encode(), hashlib.sha256).digest()

        key = mac(mac(mac(("TC3" + self.secret_key).encode(), date), service), "tc3_request")
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields.get("Signature", "")):
            return "AuthFailure.SignatureFailure"
        return ""

    def _handle(self, method, path, headers, body):
        problem = self._signature_problem(method, path, headers, body)
        if problem:
            with self._lock:
                self.refused.append(problem)
            code = problem if problem.startswith("AuthFailure") else "AuthFailure.SignatureFailure"
            return 200, {
                "Response": {"Error": {"Code": code, "Message": problem}, "RequestId": "r"}
            }
        action = {k.lower(): v for k, v in headers.items()}.get("x-tc-action")
        payload = json.loads(body or b"{}")
        if action == "SendSms":
            serial = uuid.uuid4().hex
            with self._lock:
                self.sent.append(
                    {
                        "to": payload["PhoneNumberSet"][0],
                        "sign": payload["SignName"],
                        "template": payload["TemplateId"],
                        "params": payload.get("TemplateParamSet", []),
                        "app": payload["SmsSdkAppId"],
                        "context": payload.get("SessionContext", ""),
                        "serial": serial,
                    }
                )
            status = {
                "SerialNo": serial,
                "PhoneNumber": payload["PhoneNumberSet"][0],
                "Fee": 1,
                "SessionContext": payload.get("SessionContext", ""),
                "Code": "Ok",
                "Message": "send success",
                "IsoCode": "CN",
            }
            return 200, {"Response": {"SendStatusSet": [status], "RequestId": "r"}}
        if action == "PullSmsSendStatus":
            items = [
                {
                    "UserReceiveTime": "2026-12-07 12:00:00",
                    "CountryCode": "86",
                    "SubscriberNumber": "",
                    "PhoneNumber": "",
                    "SerialNo": serial,
                    "ReportStatus": "SUCCESS" if status == "delivered" else "FAIL",
                    "Description": code,
                    "SessionContext": "",
                }
                for serial, (status, code) in self.reports.items()
            ]
            return 200, {"Response": {"PullSmsSendStatusSet": items, "RequestId": "r"}}
        return 200, {"Response": {"Error": {"Code": "InvalidAction", "Message": str(action)}}}
