/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Everything we receive: handshake and cookie messages (control thread) and
 * data messages (workers, or the control thread on the UDP path), whichever
 * path brought them.
 */
#ifndef WG_RECEIVE_H
#define WG_RECEIVE_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"

/*
 * A handshake initiation, response or cookie reply from src. Caller holds
 * cfg_lock for reading; under_load asks for cookies and rate limits.
 */
void wg_receive_handshake(struct wg_device *dev, const uint8_t *msg,
			  size_t len, const union wg_sockaddr *src,
			  bool under_load);

/*
 * A data message of len bytes at msg from src: authenticated, decrypted in
 * place, replay- and source-checked. Returns the inner packet's length (its
 * bytes at msg + WG_DATA_HEADER_LEN) to be written to the TUN device, or 0
 * when there is nothing to write (keepalive, or dropped and counted).
 * Caller holds cfg_lock for reading.
 */
size_t wg_receive_data(struct wg_device *dev, uint8_t *msg, size_t len,
		       const union wg_sockaddr *src);

#endif /* WG_RECEIVE_H */
