/** What the clients pay: the client cost ledger (training FLOPs, bytes down and up, trainings). */
package io.fednas.cost;
