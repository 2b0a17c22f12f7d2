"""Emulators of the providers' secrets APIs, for the demo mode, the tests and the benchmarks.

Framework-free WSGI apps (standard library only). Product code never imports this package.
"""
