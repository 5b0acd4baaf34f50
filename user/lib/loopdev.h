/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DSTATE_LOOPDEV_H
#define DSTATE_LOOPDEV_H

#include <stddef.h>

/*
 * Attach @image_fd to a free loop device, with autoclear: it detaches
 * when the returned descriptor, the last one open, is closed.  Its path
 * into @path.  Returns that descriptor, or -errno (@path then "").
 * Loads the loop module if need be.
 */
int loop_attach(int image_fd, char *path, size_t len);

/*
 * Create @path, a new sparse image of @kb KiB, for a loop device.  Its
 * descriptor (read-write), or -errno with @err set.
 */
int loop_image_create(const char *path, size_t kb, char *err, size_t errlen);

#endif
