/**
 * Pod sandbox lifecycle: the pause process that owns a pod's namespaces, and the pins that keep
 * those namespaces alive for teardown.
 */
@NullMarked
package dev.podshim.sandbox;

import org.jspecify.annotations.NullMarked;
