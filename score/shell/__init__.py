"""The Trio shell: everything that touches the outside world.

SQLite (`store` and its parts, `async_store` for Trio), the wall clock
(`wall_clock`), the game loop and its state (`game`), the HTTP and WebSocket server
(`http`, `api`, `websocket`, `server`), the pusher's supervisor and the log lines
both processes share (`supervisor`, `log_lines`), and the application's root nursery
(`app`). Floors: `core` <- `shell` <- `pusher`, `cli`; nothing imports upwards. Each
module is thin: decisions are made by `score.core`.
"""
