//! The ecomatch server: protocol, sessions, market data and dashboard.
