#pragma once

// The node's public interface lives in include/timecoin/node.hpp.
#include "timecoin/node.hpp"
