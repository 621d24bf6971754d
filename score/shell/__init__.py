"""The Trio shell: everything that touches the outside world.

SQLite (`store`), the game loop and its state (`game`), the HTTP and WebSocket server
(`http`, `websocket`, `server`), and the application's root nursery (`app`). Each
module is thin: decisions are made by `score.core`.
"""
