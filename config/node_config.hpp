#pragma once

// The node's configuration is public: include/timecoin/node_config.hpp.
#include "timecoin/node_config.hpp"
