/** Images: the image store and what it occupies. */
@NullMarked
package dev.podshim.image;

import org.jspecify.annotations.NullMarked;
