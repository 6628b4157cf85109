"""The reviewer workflow: store, web app, export."""
