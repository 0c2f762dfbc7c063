"""HUAWEI CLOUD sandbox: a separate small Django project that answers like Huawei's partner APIs.

It runs in its own process (`python -m sandbox`) with its own database and never imports the
platform (`partner_portal`). See README.md.
"""
