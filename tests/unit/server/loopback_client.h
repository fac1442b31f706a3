// A one-shot raw HTTP client for server tests: connects to 127.0.0.1:port
// (from `source` when given), sends `bytes` and reads until the server
// closes the connection. Blocking; use from the test thread.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <string>

namespace citadel::server {

inline std::string ExchangeOnLoopback(int port, const std::string& bytes,
                                      const char* source = nullptr) {
  namespace net = boost::asio;
  net::io_context ioc;
  net::ip::tcp::socket socket(ioc);
  if (source != nullptr) {
    socket.open(net::ip::tcp::v4());
    socket.bind(net::ip::tcp::endpoint(net::ip::make_address(source), 0));
  }
  socket.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"),
                                        static_cast<unsigned short>(port)));
  boost::system::error_code ec;
  net::write(socket, net::buffer(bytes), ec);  // may fail: the server closed first
  std::string reply;
  char buffer[4096];
  for (;;) {
    const size_t n = socket.read_some(net::buffer(buffer), ec);
    reply.append(buffer, n);
    if (ec) break;
  }
  return reply;
}

}  // namespace citadel::server
