/** The CRI services: thin routing to one handler per RPC, and the proto⇄domain mapping. */
@NullMarked
package dev.podshim.api;

import org.jspecify.annotations.NullMarked;
