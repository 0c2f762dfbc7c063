"""The gateway to HUAWEI CLOUD: the only package that imports `huaweicloudsdk*`.

* `huaweicloud.bss` / `huaweicloud.osm`: one keyword-only function per operation, returning frozen
  dataclasses from `huaweicloud.types`.
* `huaweicloud.errors`: `CloudUnavailable` (retry later), `CloudMisconfigured` (ours to fix),
  `CloudRejected` (show `user_message`).
* `huaweicloud.calls.call`: rate limit, timing, one log line and error mapping for every call.

Importing this package or `huaweicloud.errors` does not import the SDK.
"""
